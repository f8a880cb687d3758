#include "shutdown_signal.hpp"

#include <pthread.h>

#include <cerrno>
#include <ctime>

namespace alex_os {

shutdown_signal::shutdown_signal() {
    sigemptyset(&signals_);
    sigaddset(&signals_, SIGINT);
    sigaddset(&signals_, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
}

shutdown_signal::~shutdown_signal() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

int shutdown_signal::wait() {
    // Short timeouts so that request() is noticed without a second wake-up mechanism.
    const timespec tick{0, 100'000'000};
    while (!requested_) {
        const int signal = sigtimedwait(&signals_, nullptr, &tick);
        if (signal > 0) return signal;
    }
    return 0;
}

}  // namespace alex_os
