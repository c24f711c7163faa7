package weekly

import "os"

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

func removeQuietly(path string) { _ = os.Remove(path) }
