// Package durable owns how fossamaint names, writes, renames and cleans up
// its files: it is the one place where durability is written. Every
// temporary file or directory the tool creates inside an installation (a
// VACUUM INTO target, a backup being written, a report or log archive
// before its rename) or in the system temp dir is named
//
//	.fossamaint-tmp-<pid>-<purpose>-<random>
//
// so that a later run can recognise it as ours, tell whether the process
// that made it is still alive, and sweep it when it is not: a kill -9 must
// not leak a 600 MB copy of the database beside the live one.
//
// Writers use, rather than writing their own temp + fsync + rename:
//
//   - WriteFile: a whole file from memory, atomically (temp, fsync,
//     rename, directory fsync).
//   - CreateTemp / Path / MkdirTemp, then Commit (fsync the file, Rename)
//     or Rename (the file is already synced, e.g. by SQLite).
//   - Rename: a rename that fsyncs the destination directory, and the
//     source's when it is another one.
//   - RenameNoReplace: a move that never replaces (hard link, then remove).
//   - CreateExclusive: a new file that must not exist, mode set exactly.
//   - SyncFile, SyncDir: the single fsyncs, for protocols of their own
//     (a backup set swapped into place).
//
// Windows, defined once here: SyncDir does nothing, because Windows cannot
// open a directory for fsync and NTFS journals its metadata itself, so a
// rename is as durable there as the filesystem makes it. SyncFile and the
// file fsyncs are FlushFileBuffers. Rename replaces an existing file (Go's
// os.Rename uses MoveFileEx with MOVEFILE_REPLACE_EXISTING) but, unlike on
// Unix, fails when dst is open in another process. RenameNoReplace uses a
// hard link where NTFS supports one, else checks and renames. FileOwner
// reports no owner and ProcessAlive asks gopsutil.
//
// NewestBefore finds the newest dated file of a kind
// (prefix+YYYYMMDD+suffix) before a day: the previous week's report that
// the log analysis and the benchmark compare with.
//
// It imports nothing of fossamaint (internal/archtest checks this).
package durable
