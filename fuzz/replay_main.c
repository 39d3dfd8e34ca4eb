/* SPDX-License-Identifier: MIT */
/*
 * A plain main() for fuzz targets outside libFuzzer builds (after Xen's
 * tools/fuzz afl-harness.c): each argument is a file or a directory of
 * files, and each file is fed once to LLVMFuzzerTestOneInput.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path, unsigned int *count)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;

    if ( !f )
        return -1;
    if ( fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) )
    {
        fclose(f);
        return -1;
    }
    buf = malloc(len ? (size_t)len : 1);
    if ( !buf || fread(buf, 1, (size_t)len, f) != (size_t)len )
    {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, (size_t)len);
    free(buf);
    (*count)++;
    return 0;
}

static int replay_path(const char *path, unsigned int *count)
{
    struct stat st;
    DIR *dir;
    struct dirent *e;
    int rc = 0;

    if ( stat(path, &st) )
        return -1;
    if ( !S_ISDIR(st.st_mode) )
        return replay_file(path, count);
    dir = opendir(path);
    if ( !dir )
        return -1;
    while ( (e = readdir(dir)) != NULL )
    {
        char child[4096];

        if ( e->d_name[0] == '.' )
            continue;
        snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
        if ( replay_path(child, count) )
            rc = -1;
    }
    closedir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned int count = 0;
    int i;

    for ( i = 1; i < argc; i++ )
        if ( replay_path(argv[i], &count) )
        {
            fprintf(stderr, "replay: cannot read %s\n", argv[i]);
            return 1;
        }
    if ( count == 0 )
    {
        fprintf(stderr, "replay: no inputs\n");
        return 1;
    }
    printf("replay: %u inputs ran\n", count);
    return 0;
}
