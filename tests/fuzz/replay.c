/*
 * replay.c - the driver that runs a fuzz target without libFuzzer.
 *
 *   fuzz_<name> [-n COUNT] [-s SEED] PATH...
 *
 * Every PATH is a file or a directory of files (the seed corpus). Each seed is
 * run as it is, then COUNT (default 20000) inputs made from the seeds by a
 * xorshift generator started from SEED: bits flipped, bytes set, inserted and
 * deleted, ranges duplicated, other seeds spliced in, up to 4096 bytes. The
 * same arguments always give the same inputs, so a failure in ctest is a
 * failure on every rerun. With -n 0 only the PATHs run: the way to replay one
 * reproducer.
 *
 * When an input crashes (an abort, a sanitizer report, a fatal signal) it is
 * written to <program>.crash in the current directory before the process
 * dies, and its number is printed.
 *
 * Entry points: main().
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define REPLAY_MAX_INPUT 4096
#define REPLAY_MAX_SEEDS 1024

typedef struct seed {
    uint8_t *data;
    size_t len;
} seed;

typedef struct corpus {
    seed v[REPLAY_MAX_SEEDS];
    size_t n;
} corpus;

/* The input being run, for the crash handlers: signal handlers take no
 * argument, so this one piece of state has to be global. */
static struct {
    const uint8_t *data;
    size_t len;
    char path[256];
    char note[384];
    size_t note_len;
    volatile sig_atomic_t saved; /* both a sanitizer and SIGABRT may report */
} current;

/* Sanitizer runtimes export this; in a build without them it stays NULL. */
extern void __sanitizer_set_death_callback(void (*cb)(void))
    __attribute__((weak));

/* Writes the current input to current.path with async-signal-safe calls. */
static void save_current(void)
{
    size_t off = 0;
    ssize_t w;
    int fd;

    if (current.saved)
        return;
    current.saved = 1;
    fd = open(current.path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return;
    while (off < current.len) {
        w = write(fd, current.data + off, current.len - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    close(fd);
    w = write(STDERR_FILENO, current.note, current.note_len);
    (void)w;
}

static void on_fatal_signal(int sig)
{
    save_current();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Sanitizers report through their own handlers; let them, and save the input
 * from their death callback. Without sanitizers catch the signals here. */
static void install_crash_handlers(const char *argv0)
{
    const char *base = strrchr(argv0, '/');

    base = base != NULL ? base + 1 : argv0;
    snprintf(current.path, sizeof(current.path), "%s.crash", base);
    signal(SIGABRT, on_fatal_signal);
    if (__sanitizer_set_death_callback != NULL) {
        __sanitizer_set_death_callback(save_current);
        return;
    }
    signal(SIGSEGV, on_fatal_signal);
    signal(SIGBUS, on_fatal_signal);
    signal(SIGFPE, on_fatal_signal);
    signal(SIGILL, on_fatal_signal);
}

/* Runs the target on an exact-size heap copy, so that a read one byte past
 * the end is an ASan report rather than a silent read of our buffer. */
static void run_one(const uint8_t *data, size_t len, const char *what)
{
    uint8_t *copy = malloc(len > 0 ? len : 1);

    if (copy == NULL)
        abort();
    if (len > 0)
        memcpy(copy, data, len);
    current.data = copy;
    current.len = len;
    current.note_len =
        (size_t)snprintf(current.note, sizeof(current.note),
                         "replay: %s saved to %s\n", what, current.path);
    if (current.note_len >= sizeof(current.note))
        current.note_len = sizeof(current.note) - 1;
    LLVMFuzzerTestOneInput(copy, len);
    free(copy);
}

static int read_file(const char *path, corpus *c)
{
    FILE *fp;
    uint8_t *buf;
    size_t n;

    if (c->n >= REPLAY_MAX_SEEDS)
        return 0;
    fp = fopen(path, "rb");
    if (fp == NULL) {
        fprintf(stderr, "replay: could not open %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    buf = malloc(REPLAY_MAX_INPUT);
    if (buf == NULL)
        abort();
    n = fread(buf, 1, REPLAY_MAX_INPUT, fp);
    fclose(fp);
    c->v[c->n].data = buf;
    c->v[c->n].len = n;
    c->n++;
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Adds every regular file of dir, in name order so runs are repeatable. */
static int read_dir(const char *dir, corpus *c)
{
    struct dirent **names;
    char path[4096];
    struct stat st;
    int n = scandir(dir, &names, NULL, by_name);
    int rc = 0;

    if (n < 0) {
        fprintf(stderr, "replay: could not read %s: %s\n", dir,
                strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (rc == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            rc = read_file(path, c);
        free(names[i]);
    }
    free(names);
    return rc;
}

static uint64_t next(uint64_t *s)
{
    uint64_t x = *s;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* A length skewed towards small values: most bugs need few bytes. */
static size_t small_len(uint64_t *s, size_t max)
{
    size_t cap = (size_t)1 << (next(s) % 13);

    if (cap > max)
        cap = max;
    return (size_t)(next(s) % (cap + 1));
}

static uint8_t interesting_byte(uint64_t *s)
{
    static const uint8_t v[] = {0x00, 0x01, 0x02, 0x05, 0x08, 0x0a, 0x0d,
                                0x10, 0x12, 0x1a, 0x20, 0x22, 0x25, 0x2c,
                                0x3a, 0x3d, 0x5b, 0x5c, 0x5d, 0x7b, 0x7d,
                                0x7f, 0x80, 0xbf, 0xc0, 0xed, 0xf4, 0xff};

    return v[next(s) % sizeof(v)];
}

/* Applies one mutation to buf (len bytes, room for REPLAY_MAX_INPUT). */
static size_t mutate_once(uint8_t *buf, size_t len, const corpus *c,
                          uint64_t *s)
{
    size_t at = len > 0 ? (size_t)(next(s) % len) : 0;
    size_t k;

    switch (next(s) % 8) {
    case 0: /* flip a bit */
        if (len > 0)
            buf[at] ^= (uint8_t)(1u << (next(s) % 8));
        return len;
    case 1: /* set a byte */
        if (len > 0)
            buf[at] = next(s) % 2 ? interesting_byte(s) : (uint8_t)next(s);
        return len;
    case 2: /* insert bytes */
        k = 1 + small_len(s, 16);
        if (len + k > REPLAY_MAX_INPUT)
            return len;
        memmove(buf + at + k, buf + at, len - at);
        for (size_t i = 0; i < k; i++)
            buf[at + i] = next(s) % 2 ? interesting_byte(s) : (uint8_t)next(s);
        return len + k;
    case 3: /* delete a range */
        k = small_len(s, len - at);
        memmove(buf + at, buf + at + k, len - at - k);
        return len - k;
    case 4: /* duplicate a range */
        k = small_len(s, len - at);
        if (len + k > REPLAY_MAX_INPUT)
            return len;
        memmove(buf + at + k, buf + at, len - at);
        return len + k;
    case 5: /* splice in part of another seed */
        if (c->n == 0)
            return len;
        {
            const seed *o = &c->v[next(s) % c->n];
            size_t from = o->len > 0 ? (size_t)(next(s) % o->len) : 0;

            k = small_len(s, o->len - from);
            if (len + k > REPLAY_MAX_INPUT)
                return len;
            memmove(buf + at + k, buf + at, len - at);
            memcpy(buf + at, o->data + from, k);
        }
        return len + k;
    case 6: /* truncate */
        return at;
    default: /* overwrite a byte with its neighbour's value plus one */
        if (len > 1)
            buf[at] = (uint8_t)(buf[(at + 1) % len] + 1);
        return len;
    }
}

/* Makes one input in buf and returns its length. */
static size_t generate(uint8_t *buf, const corpus *c, uint64_t *s)
{
    size_t len;
    int rounds;

    if (c->n == 0 || next(s) % 8 == 0) {
        len = small_len(s, REPLAY_MAX_INPUT);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)next(s);
    } else {
        const seed *base = &c->v[next(s) % c->n];

        len = base->len;
        memcpy(buf, base->data, len);
    }
    rounds = 1 + (int)(next(s) % 8);
    for (int i = 0; i < rounds; i++)
        len = mutate_once(buf, len, c, s);
    return len;
}

static int parse_count(const char *s, unsigned long *out)
{
    char *end;

    errno = 0;
    *out = strtoul(s, &end, 10);
    return errno != 0 || end == s || *end != '\0' ? -1 : 0;
}

static corpus seeds;

int main(int argc, char **argv)
{
    unsigned long count = 20000, seed_value = 0x5eed;
    uint8_t buf[REPLAY_MAX_INPUT];
    char what[64];
    uint64_t s;
    struct stat st;
    int i = 1;

    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        unsigned long *dst = strcmp(argv[i], "-n") == 0   ? &count
                             : strcmp(argv[i], "-s") == 0 ? &seed_value
                                                          : NULL;

        if (dst == NULL || parse_count(argv[i + 1], dst) != 0) {
            fprintf(stderr, "usage: %s [-n COUNT] [-s SEED] PATH...\n",
                    argv[0]);
            return 2;
        }
    }
    install_crash_handlers(argv[0]);
    for (; i < argc; i++) {
        if (stat(argv[i], &st) != 0 ||
            (S_ISDIR(st.st_mode) ? read_dir(argv[i], &seeds)
                                 : read_file(argv[i], &seeds)) != 0) {
            fprintf(stderr, "replay: could not read %s\n", argv[i]);
            return 2;
        }
    }
    for (size_t k = 0; k < seeds.n; k++) {
        snprintf(what, sizeof(what), "seed %zu", k);
        run_one(seeds.v[k].data, seeds.v[k].len, what);
    }
    s = seed_value != 0 ? seed_value : 1;
    for (unsigned long k = 0; k < count; k++) {
        size_t len = generate(buf, &seeds, &s);

        snprintf(what, sizeof(what), "generated input %lu", k);
        run_one(buf, len, what);
    }
    printf("replay: %zu seeds and %lu generated inputs passed\n", seeds.n,
           count);
    for (size_t k = 0; k < seeds.n; k++)
        free(seeds.v[k].data);
    return 0;
}
