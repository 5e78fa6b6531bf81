// The XS heap counters of the machine (XS internals, hence its own file: xsAll.h and xsmc.h do not
// mix): [chunk bytes now, chunk bytes peak, slot bytes now, slot bytes peak], and a peak reset so
// bench/device-heap.ts can measure one phase at a time.
#include "xsAll.h"
#include "xs.h"

void xs_spk_heap(xsMachine *the)
{
	xsResult = xsNewArray(4);
	xsSetIndex(xsResult, 0, xsInteger(the->currentChunksSize));
	xsSetIndex(xsResult, 1, xsInteger(the->peakChunksSize));
	xsSetIndex(xsResult, 2, xsInteger(the->currentHeapCount * sizeof(txSlot)));
	xsSetIndex(xsResult, 3, xsInteger(the->peakHeapCount * sizeof(txSlot)));
}

void xs_spk_heap_reset_peak(xsMachine *the)
{
	the->peakChunksSize = the->currentChunksSize;
	the->peakHeapCount = the->currentHeapCount;
}
