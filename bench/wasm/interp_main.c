/* Entry point of the wasm-interp build (see bench_io.h): the export `run`
 * calls the program's main with the workload argument BENCH_ARG. */
int bench_main(int argc, char **argv);

__attribute__((export_name("run"))) int run(void)
{
    static char name[] = "bench", arg[] = BENCH_ARG;
    char *argv[] = {name, arg, 0};
    return bench_main(2, argv);
}
