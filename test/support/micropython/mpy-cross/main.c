// Fixture mpy-cross: "compiles" a .py file into a tiny .mpy-like container.
//
// Output layout: 'M', the .mpy format version of this release, then the
// bytes of the source file. Enough for a build to prove the tool ran.

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "py/persistentcode.h"
#include "genhdr/mpversion.h"

static int usage(const char *argv0) {
    fprintf(stderr, "usage: %s [<opts>] [-X <implopt>] <input filename>\n"
        "Options:\n"
        "--version : show version information\n"
        "-o : output file for compiled bytecode (defaults to input with .mpy extension)\n"
        "-s : source filename to embed in the compiled bytecode (defaults to input file)\n"
        "-march=<arch> : set architecture for native emitter\n", argv0);
    return 1;
}

static char *default_output(const char *input) {
    size_t len = strlen(input);
    char *out = malloc(len + 5);
    if (out == NULL) {
        return NULL;
    }
    strcpy(out, input);
    if (len > 3 && strcmp(input + len - 3, ".py") == 0) {
        strcpy(out + len - 3, ".mpy");
    } else {
        strcat(out, ".mpy");
    }
    return out;
}

int main(int argc, char **argv) {
    const char *input = NULL;
    const char *output = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--version") == 0) {
            printf("MicroPython " MICROPY_GIT_TAG " on " MICROPY_BUILD_DATE
                "; mpy-cross emitting mpy v%d\n", MPY_VERSION);
            return 0;
        } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "-s") == 0 || strcmp(arg, "-X") == 0) {
            if (i + 1 >= argc) {
                return usage(argv[0]);
            }
            if (arg[1] == 'o') {
                output = argv[i + 1];
            }
            i++;
        } else if (strncmp(arg, "-march=", 7) == 0 || strncmp(arg, "-O", 2) == 0 || strcmp(arg, "-v") == 0) {
            // Accepted for compatibility; nothing to tune in the fixture.
        } else if (arg[0] == '-') {
            return usage(argv[0]);
        } else if (input == NULL) {
            input = arg;
        } else {
            return usage(argv[0]);
        }
    }
    if (input == NULL) {
        return usage(argv[0]);
    }

    FILE *in = fopen(input, "rb");
    if (in == NULL) {
        fprintf(stderr, "mpy-cross: can't open file '%s'\n", input);
        return 1;
    }
    char *made = NULL;
    if (output == NULL) {
        output = made = default_output(input);
    }
    FILE *out = output == NULL ? NULL : fopen(output, "wb");
    if (out == NULL) {
        fprintf(stderr, "mpy-cross: can't write '%s'\n", output == NULL ? "?" : output);
        fclose(in);
        return 1;
    }
    fputc('M', out);
    fputc(MPY_VERSION, out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        fwrite(buf, 1, n, out);
    }
    fclose(in);
    int failed = fclose(out) != 0;
    free(made);
    return failed;
}
