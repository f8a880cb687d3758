// The raw fsync rate of a disk: rewrite 4 KiB at the start of a file and fdatasync (or
// fsync), as fast as possible for S seconds, in the directory given (default: the current one).
//   fsync_rate [DIR] [SECONDS]      prints "FSYNC fdatasync <ops/s>" and "FSYNC fsync <ops/s>"
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char** argv) {
    const std::string dir = argc > 1 ? argv[1] : ".";
    const double seconds = argc > 2 ? std::atof(argv[2]) : 2.0;
    const std::string path = dir + "/fsync_rate.tmp";
    const int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY, 0600);
    if (fd < 0) {
        std::perror(path.c_str());
        return 1;
    }
    char block[4096];
    std::memset(block, 'x', sizeof block);
    for (int use_fsync = 0; use_fsync < 2; ++use_fsync) {
        long ops = 0;
        const auto t0 = std::chrono::steady_clock::now();
        double elapsed = 0;
        while (elapsed < seconds) {
            block[ops % sizeof block] ^= 1;
            if (::pwrite(fd, block, sizeof block, 0) != sizeof block) return std::perror("pwrite"), 1;
            if ((use_fsync ? ::fsync(fd) : ::fdatasync(fd)) != 0) return std::perror("fsync"), 1;
            ++ops;
            elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        std::printf("FSYNC %s %.0f\n", use_fsync ? "fsync" : "fdatasync", ops / elapsed);
    }
    ::close(fd);
    ::unlink(path.c_str());
    return 0;
}
