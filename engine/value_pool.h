// The cell pool behind Value (engine/value.cpp), seen from tests.
#pragma once

#include <cstddef>

namespace ckpt {

// The 64 KiB chunks the cell pool has carved so far (0 in sanitizer builds, which use the global
// allocator): for tests of the pool's growth.
size_t ValueCellPoolChunks();

}  // namespace ckpt
