package designs

// The sizes of /proc/slabinfo's text and of its readers' read() calls,
// which decide how often its seq_file walks the cache list (the designs'
// ProcSlabinfo; the workloads.DeadSlabinfo scenario).
const (
	// SeqChunkBytes is seq_read's buffer, PAGE_SIZE (fs/seq_file.c): one
	// read() fills at most one, between one s_start and one s_stop, and
	// the next read() that needs more resumes by walking the list again
	// from its head to the saved position ("seq_file processes reads in
	// 4k chunks and seeks to the previous Nth position on slab_caches list
	// to resume after each chunk", Tejun Heo, 510ded33e075).
	SeqChunkBytes = 4096
	// SlabinfoHeaderBytes is print_slabinfo_header's two lines, 24 + 180
	// bytes, and SlabinfoLineBytes one cache's line: measured with
	// `head -2 /proc/slabinfo | awk '{print length+1}'` and
	// `awk 'NR>2{s+=length+1}END{print s/(NR-2)}' /proc/slabinfo` on the
	// 2-CPU AMD EPYC VM (SLUB, 235 caches, 25408 bytes: 107.25 a line);
	// cache_show's format gives 107 for names of up to 17 characters.
	SlabinfoHeaderBytes = 204
	SlabinfoLineBytes   = 107

	// ReadBytesCat is the read() size of cat: coreutils' IO_BUFSIZE,
	// 128 KiB (src/ioblksize.h); each read() then takes one SeqChunkBytes.
	ReadBytesCat = 128 << 10
	// ReadBytesStdio is the read() size of a reader through stdio, as
	// slabtop reads /proc/slabinfo (fopen and fgets): glibc sizes a FILE's
	// buffer by st_blksize, and `stat -c %o /proc/slabinfo` prints 1024
	// on the dev VM. Each read() then takes about a KiB.
	ReadBytesStdio = 1024
)

// SlabinfoSeeks returns how many of a reader's read() calls of
// /proc/slabinfo, with roots lines and read() calls of readBytes bytes,
// take slab_mutex and walk the list from its head (each one that the
// seq_file's buffer cannot serve from what an earlier one printed, and the
// last, which finds the end), and how many lines are printed twice: a line
// that does not fit in SeqChunkBytes is dropped and printed whole by the
// next read. It is seq_read's arithmetic on the text alone, the count the
// designs' reads must show. readBytes below 1 counts as 1.
func SlabinfoSeeks(roots, readBytes int) (seeks, reprinted int) {
	readBytes = max(readBytes, 1)
	pos, left := 0, 0 // the next line to print; printed bytes not yet read
	for {
		if left >= readBytes {
			left -= readBytes
			continue
		}
		want := readBytes - left
		seeks++
		used, filled := 0, 0
		if pos == 0 && roots > 0 {
			used = SlabinfoHeaderBytes
		}
		for pos < roots && (filled == 0 || used < want) { // a fill prints a line at least, the header with the first

			if used+SlabinfoLineBytes > SeqChunkBytes {
				reprinted++
				break
			}
			used += SlabinfoLineBytes
			pos++
			filled++
		}
		if left == 0 && filled == 0 && used == 0 {
			return seeks, reprinted
		}
		left = used - min(used, want)
	}
}
