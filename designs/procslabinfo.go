package designs

// The sizes of /proc/slabinfo's text, which decide how many read() calls a
// reader makes of it and so how often its seq_file walks the cache list
// (the designs' ProcSlabinfo; the workloads.DeadSlabinfo scenario).
const (
	// SeqChunkBytes is seq_read's buffer, PAGE_SIZE (fs/seq_file.c): a
	// read() fills at most one, between one s_start and one s_stop, and
	// the next read() resumes by walking the list again from its head
	// to the saved position ("seq_file processes reads in 4k chunks and
	// seeks to the previous Nth position on slab_caches list to resume
	// after each chunk", Tejun Heo, 510ded33e075).
	SeqChunkBytes = 4096
	// SlabinfoHeaderBytes is print_slabinfo_header's two lines, 24 + 180
	// bytes, and SlabinfoLineBytes one cache's line: measured with
	// `head -2 /proc/slabinfo | awk '{print length+1}'` and
	// `awk 'NR>2{s+=length+1}END{print s/(NR-2)}' /proc/slabinfo` on the
	// 2-CPU AMD EPYC VM (SLUB, 235 caches, 25408 bytes: 107.25 a line);
	// cache_show's format gives 107 for names of up to 17 characters.
	SlabinfoHeaderBytes = 204
	SlabinfoLineBytes   = 107
)

// SlabinfoReads returns how many read() calls a reader of /proc/slabinfo
// with roots root caches makes: one per SeqChunkBytes of whole lines, and
// the last, which finds the end and returns nothing. Each line goes whole
// into one chunk; a line that does not fit starts the next.
func SlabinfoReads(roots int) int {
	reads, used := 1, SlabinfoHeaderBytes
	for range roots {
		if used+SlabinfoLineBytes > SeqChunkBytes {
			reads, used = reads+1, 0
		}
		used += SlabinfoLineBytes
	}
	return reads + 1
}
