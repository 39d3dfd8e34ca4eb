/* SPDX-License-Identifier: MIT */
/*
 * Writes a random policy.conf over hvcore's classes (read from the policy
 * sources given), for the differential test: types and attributes, allow,
 * auditallow, dontaudit, type_transition, type_member, type_change,
 * booleans with conditional rules,
 * constraints, and with --mls sensitivities, categories and mlsconstrain.
 *
 *   xsm_gen_policy SEED POLICY_SOURCE_DIR [--mls] > policy.conf
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng;

static unsigned int rnd(unsigned int n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned int)((rng >> 33) % n);
}

struct cls {
    char name[32];
    char perms[32][64];
    unsigned int nperms;
};

static struct cls classes[16];
static unsigned int nclasses;

static void cat_file(const char *dir, const char *name)
{
    char path[1024], line[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "r");
    if ( !f )
    {
        perror(path);
        exit(2);
    }
    while ( fgets(line, sizeof(line), f) )
        fputs(line, stdout);
    fclose(f);
}

/* Learns the classes and permissions from access_vectors. */
static void read_classes(const char *dir)
{
    char path[1024], word[64];
    struct cls *c = NULL;
    FILE *f;

    snprintf(path, sizeof(path), "%s/access_vectors", dir);
    f = fopen(path, "r");
    if ( !f )
    {
        perror(path);
        exit(2);
    }
    while ( fscanf(f, "%63s", word) == 1 )
    {
        if ( word[0] == '#' )
        {
            int ch;

            while ( (ch = fgetc(f)) != EOF && ch != '\n' )
                ;
        }
        else if ( !strcmp(word, "class") )
        {
            c = &classes[nclasses++];
            if ( fscanf(f, "%31s", c->name) != 1 )
                exit(2);
        }
        else if ( strcmp(word, "{") && strcmp(word, "}") && c &&
                  c->nperms < 32 )
            snprintf(c->perms[c->nperms++], 64, "%s", word);
    }
    fclose(f);
}

static void perms(const struct cls *c)
{
    unsigned int i, n = 0;

    printf("{");
    for ( i = 0; i < c->nperms; i++ )
        if ( rnd(4) == 0 )
        {
            printf(" %s", c->perms[i]);
            n++;
        }
    if ( !n )
        printf(" %s", c->perms[rnd(c->nperms)]);
    printf(" }");
}

int main(int argc, char **argv)
{
    unsigned int ntypes, nattrs, i, j, n, nbools;
    static unsigned char tt_used[3][32][32][16];
    static const char *const type_rules[3] = {
        "type_transition", "type_member", "type_change",
    };
    int mls = argc > 3 && !strcmp(argv[3], "--mls");
    const char *lvl = mls ? ":s0" : "";

    if ( argc < 3 )
        return 2;
    rng = strtoull(argv[1], NULL, 0) * 2654435761ULL + 1;
    read_classes(argv[2]);
    cat_file(argv[2], "security_classes");
    cat_file(argv[2], "initial_sids");
    cat_file(argv[2], "access_vectors");
    if ( mls )
    {
        const struct cls *c1 = &classes[rnd(nclasses)];
        const struct cls *c2 = &classes[rnd(nclasses)];

        printf("sensitivity s0;\nsensitivity s1;\ndominance { s0 s1 }\n"
               "category c0;\ncategory c1;\ncategory c2;\n"
               "level s0:c0.c2;\nlevel s1:c0.c2;\n"
               "mlsconstrain %s { %s } ( l1 dom l2 );\n"
               "mlsconstrain %s { %s } ( h1 dom h2 or t1 == ty0_t );\n",
               c1->name, c1->perms[rnd(c1->nperms)],
               c2->name, c2->perms[rnd(c2->nperms)]);
    }

    ntypes = 4 + rnd(12);
    nattrs = 1 + rnd(4);
    for ( i = 0; i < nattrs; i++ )
        printf("attribute at%u;\n", i);
    for ( i = 0; i < ntypes; i++ )
    {
        printf("type ty%u_t", i);
        for ( j = 0; j < nattrs; j++ )
            if ( rnd(3) == 0 )
                printf(", at%u", j);
        printf(";\n");
    }
    nbools = rnd(3);
    for ( i = 0; i < nbools; i++ )
        printf("bool b%u %s;\n", i, rnd(2) ? "true" : "false");

    n = 10 + rnd(40);
    for ( i = 0; i < n; i++ )
    {
        static const char *const kinds[] = {
            "allow", "allow", "allow", "auditallow", "dontaudit",
        };
        const struct cls *c = &classes[rnd(nclasses)];
        unsigned int s = rnd(ntypes + nattrs), t = rnd(ntypes + nattrs + 1);

        printf("%s ", kinds[rnd(5)]);
        if ( s < ntypes )
            printf("ty%u_t ", s);
        else
            printf("at%u ", s - ntypes);
        if ( t < ntypes )
            printf("ty%u_t", t);
        else if ( t < ntypes + nattrs )
            printf("at%u", t - ntypes);
        else
            printf("self");
        printf(":%s ", c->name);
        perms(c);
        printf(";\n");
    }
    for ( i = 0; i < nbools; i++ )
    {
        const struct cls *c = &classes[rnd(nclasses)];

        printf("if (%sb%u) {\n    allow ty%u_t ty%u_t:%s ", rnd(2) ? "!" : "",
               i, rnd(ntypes), rnd(ntypes), c->name);
        perms(c);
        printf(";\n} else {\n    allow ty%u_t at0:%s ", rnd(ntypes), c->name);
        perms(c);
        printf(";\n}\n");
    }
    n = rnd(24);
    for ( i = 0; i < n; i++ )
    {
        unsigned int k = i < n / 2 ? 0 : 1 + rnd(2);
        unsigned int s = rnd(ntypes), t = rnd(ntypes), c = rnd(nclasses);

        if ( tt_used[k][s][t][c]++ )
            continue;
        printf("%s ty%u_t ty%u_t:%s ty%u_t;\n", type_rules[k], s, t,
               classes[c].name, rnd(ntypes));
    }
    printf("role system_r;\nrole system_r types { ");
    for ( i = 0; i < ntypes; i++ )
        printf("ty%u_t ", i);
    printf("};\n");
    if ( mls )
        printf("user system_u roles { system_r } level s0 range s0 - s1:c0.c2;\n"
               "user other_u roles { system_r } level s0 range s0 - s0:c0.c2;\n");
    else
        printf("user system_u roles { system_r };\n"
               "user other_u roles { system_r };\n");
    n = rnd(3);
    for ( i = 0; i < n; i++ )
    {
        const struct cls *c = &classes[rnd(nclasses)];

        printf("constrain %s ", c->name);
        perms(c);
        printf(" ( u1 == u2 or t1 == ty%u_t );\n", rnd(ntypes));
    }
    for ( i = 1; i <= 13; i++ )
    {
        static const char *const sids[] = {
            "", "xenboot", "xen", "dom0", "domio", "domxen", "unlabeled",
            "security", "ioport", "iomem", "irq", "device", "domU", "domDM",
        };

        printf("sid %s system_u:%s:ty%u_t%s\n", sids[i],
               rnd(2) ? "system_r" : "object_r", rnd(ntypes), lvl);
    }
    return 0;
}
