/* A C program using wasm-chord's C ABI: generate_c MODEL PROMPT prints a greedy continuation.
 * Built with the project, so the header stays valid C. */
#include <stdio.h>

#include "chord/chord.h"

static int print_text(const char* text, size_t length, int32_t token, void* user_data) {
    (void)token;
    (void)user_data;
    fwrite(text, 1, length, stdout);
    fflush(stdout);
    return 1;
}

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s MODEL PROMPT\n", argv[0]);
        return 1;
    }
    char error[256];
    chord_model* model = chord_load(argv[1], NULL, error, sizeof error);
    if (!model) {
        fprintf(stderr, "error: %s\n", error);
        return 1;
    }
    chord_generate_params params = chord_generate_default_params();
    params.temperature = 0.0f;
    params.max_tokens = 32;
    const int result = chord_generate(model, argv[2], &params, print_text, NULL);
    if (result < 0) fprintf(stderr, "error: %s\n", chord_last_error(model));
    printf("\n");
    chord_free(model);
    return result < 0 ? 1 : 0;
}
