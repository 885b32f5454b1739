// Where benchmark inputs that take minutes to make are kept between runs:
// /var/tmp rather than /tmp, where test clean-ups may sweep `berth-*` dirs.

export const BENCH_CACHE_DIR = process.env.BENCH_CACHE_DIR ?? '/var/tmp/berth-bench';
