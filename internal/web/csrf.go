package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
)

// csrfKey32 makes and checks CSRF tokens: the HMAC-SHA256, under a key
// made at start (a restart invalidates the pages' tokens), of who the
// request is (see identity). A token is thereby bound to its session, or
// for a bearer client to the pages it loaded with its token; another
// site can neither read it nor make it.
type csrfKey32 struct{ key []byte }

func newCSRFKey() (csrfKey32, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return csrfKey32{}, fmt.Errorf("making the CSRF key: %w", err)
	}
	return csrfKey32{key: k}, nil
}

// token is the CSRF token of identity id.
func (c csrfKey32) token(id string) string {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(id))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// valid says whether got is id's token (constant time).
func (c csrfKey32) valid(id, got string) bool {
	return id != "" && got != "" && hmac.Equal([]byte(got), []byte(c.token(id)))
}

// CSRFField is the form field (and CSRFHeader the header, for scripts)
// that carries the token of a POST.
const (
	CSRFField  = "csrf"
	CSRFHeader = "X-CSRF-Token"
)

// submittedCSRF is the token a POST carries: the header, or the form
// field.
func submittedCSRF(r *http.Request) string {
	if t := r.Header.Get(CSRFHeader); t != "" {
		return t
	}
	return r.PostFormValue(CSRFField)
}
