// The hardware abstraction of midge's 32-bit unix port: stdout on fd 1, a
// monotonic clock for ticks, sleeps that a KeyboardInterrupt can end.

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "py/mphal.h"
#include "py/runtime.h"

int mp_hal_stdin_rx_chr(void) {
    unsigned char c;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, &c, 1);
        if (n == 1) {
            return c;
        }
        if (n == 0) {
            return 4;  // end of input reads as Ctrl-D, as on MicroPython's unix port
        }
        if (errno != EINTR) {
            return 4;
        }
        mp_handle_pending(true);
    }
}

mp_uint_t mp_hal_stdout_tx_strn(const char *str, size_t len) {
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(STDOUT_FILENO, str + done, len - done);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        done += n;
    }
    return done;
}

void mp_hal_stdout_tx_str(const char *str) {
    mp_hal_stdout_tx_strn(str, strlen(str));
}

static uint64_t monotonic_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + ts.tv_nsec / 1000;
}

mp_uint_t mp_hal_ticks_ms(void) {
    return (mp_uint_t)(monotonic_us() / 1000);
}

mp_uint_t mp_hal_ticks_us(void) {
    return (mp_uint_t)monotonic_us();
}

uint64_t mp_hal_time_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static void sleep_until_us(uint64_t end) {
    for (;;) {
        uint64_t now = monotonic_us();
        if (now >= end) {
            return;
        }
        uint64_t left = end - now;
        struct timespec ts = {(time_t)(left / 1000000u), (long)(left % 1000000u) * 1000};
        nanosleep(&ts, NULL);  // a signal ends it early: handle it, then sleep on
        mp_handle_pending(true);
    }
}

void mp_hal_delay_us(mp_uint_t us) {
    sleep_until_us(monotonic_us() + us);
}

void mp_hal_delay_ms(mp_uint_t ms) {
    sleep_until_us(monotonic_us() + (uint64_t)ms * 1000u);
}
