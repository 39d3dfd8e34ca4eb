/* SPDX-License-Identifier: MIT */
/*
 * The reference side of the differential test: loads a binary policy with
 * libsepol (Debian's libsepol-dev, linked statically for
 * sepol_transition_sid) and prints libsepol's decision for every source
 * type x target type x class, with and without MLS, one line each:
 *
 *   SCONTEXT TCONTEXT CLASS ALLOWED AUDITALLOW AUDITDENY CREATE MEMBER RELABEL
 *
 * CREATE, MEMBER and RELABEL are the contexts compute_create
 * (type_transition), compute_member (type_member) and compute_relabel
 * (type_change) give, for classes other than `domain` ("-" for it): hvcore
 * labels new domains as Xen does (like SELinux processes), which libsepol
 * does not know for a Xen policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sepol/policydb/policydb.h>
#include <sepol/policydb/services.h>
#include <sepol/sepol.h>

int main(int argc, char **argv)
{
    policydb_t p;
    policy_file_t pf;
    FILE *f;
    unsigned int s, t, c;
    char sctx[256], tctx[256];

    if ( argc != 2 || !(f = fopen(argv[1], "rb")) )
        return 2;
    policy_file_init(&pf);
    pf.type = PF_USE_STDIO;
    pf.fp = f;
    if ( policydb_init(&p) || policydb_read(&p, &pf, 0) )
        return 3;
    rewind(f);
    if ( sepol_set_policydb_from_file(f) )
        return 4;
    for ( s = 0; s < p.p_types.nprim; s++ )
    {
        if ( p.type_val_to_struct[s]->flavor == TYPE_ATTRIB )
            continue;
        snprintf(sctx, sizeof(sctx), "system_u:object_r:%s%s",
                 p.p_type_val_to_name[s], p.mls ? ":s0" : "");
        for ( t = 0; t < p.p_types.nprim; t++ )
        {
            sepol_security_id_t ssid, tsid, nsid;

            if ( p.type_val_to_struct[t]->flavor == TYPE_ATTRIB )
                continue;
            snprintf(tctx, sizeof(tctx), "system_u:object_r:%s%s",
                     p.p_type_val_to_name[t], p.mls ? ":s0" : "");
            if ( sepol_context_to_sid(sctx, strlen(sctx) + 1, &ssid) ||
                 sepol_context_to_sid(tctx, strlen(tctx) + 1, &tsid) )
                return 5;
            for ( c = 1; c <= p.p_classes.nprim; c++ )
            {
                struct sepol_av_decision avd;
                const char *cname = p.p_class_val_to_name[c - 1];
                char *nctx[3] = { NULL, NULL, NULL };
                size_t nlen;
                unsigned int k;

                if ( sepol_compute_av(ssid, tsid, c, 0, &avd) )
                    return 6;
                if ( strcmp(cname, "domain") &&
                     (sepol_transition_sid(ssid, tsid, c, &nsid) ||
                      sepol_sid_to_context(nsid, &nctx[0], &nlen) ||
                      sepol_member_sid(ssid, tsid, c, &nsid) ||
                      sepol_sid_to_context(nsid, &nctx[1], &nlen) ||
                      sepol_change_sid(ssid, tsid, c, &nsid) ||
                      sepol_sid_to_context(nsid, &nctx[2], &nlen)) )
                    return 7;
                printf("%s %s %s %08x %08x %08x %s %s %s\n", sctx, tctx,
                       cname, avd.allowed, avd.auditallow, avd.auditdeny,
                       nctx[0] ? nctx[0] : "-", nctx[1] ? nctx[1] : "-",
                       nctx[2] ? nctx[2] : "-");
                for ( k = 0; k < 3; k++ )
                    free(nctx[k]);
            }
        }
    }
    policydb_destroy(&p);
    fclose(f);
    return 0;
}
