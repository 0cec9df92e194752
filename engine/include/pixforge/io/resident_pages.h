// Giving a model file's memory back once its tensors have been prepared. Readers map files
// read-only and private (io/mapped_file), so the pages a network has read stay resident, and
// count in the process's RSS, until the mapping goes: a 2 GB checkpoint would sit beside the
// 2 GB of weights prepared from it. Dropping them tensor by tensor, as each is prepared, keeps
// the load's peak near the prepared weights alone.
#pragma once

#include "pixforge/io/tensor_source.h"

namespace pixforge {

// Drops the resident pages holding `t`'s bytes when they lie in a file mapping made by the io
// readers. The file is never written through such a mapping, so a later read faults the same
// bytes in again from the file (or the page cache): what the tensor reads as never changes.
// Bytes in ordinary memory (converted tensors, in-memory tables) are left alone. Pages shared
// with neighbouring tensors are dropped too, and simply read again if those are needed.
void release_resident_pages(const TensorInfo& t);
// The same for every tensor of `source`.
void release_resident_pages(const TensorSource& source);

}  // namespace pixforge
