// The files `xray86 run` writes (--trace-out, --console-file): stdio streams that remember why
// their first write failed, so that the one-line error of a cut-short output (exit status 14)
// names the cause, "No space left on device". stdio keeps only an error flag, and the write that
// failed may come long before the final fflush that finds it.
//
// output_file.cpp defines: openOutput.
#pragma once

#include <cstdio>
#include <memory>
#include <string>

namespace cli {

// Creates (or truncates) `path` for writing; nullptr with errno set when it cannot. `firstError`
// then holds the errno of the stream's first failed write (0 while none has failed); it stays
// valid after the stream is closed.
std::FILE* openOutput(const std::string& path, std::shared_ptr<int>& firstError);

}  // namespace cli
