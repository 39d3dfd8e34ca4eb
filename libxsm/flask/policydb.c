/* SPDX-License-Identifier: MIT */
/*
 * Reading the binary policy that `checkpolicy -t xen` writes (policydb
 * versions 24..30, the "XenFlask" target), as hostile input: every count,
 * length, index and value is bounded before it is used, and any error
 * frees everything read so far.
 *
 * Layout (little endian, u32 unless said): magic, string length, "XenFlask",
 * version, config, symbol-table count (8), ocontext count (5, or 6 from
 * v30); policy capabilities and permissive types (ebitmaps); the eight
 * symbol tables (commons, classes, roles, types, users, booleans,
 * sensitivities, categories); the TE rule table; conditional rules; role
 * transitions; role allows; filename transitions (v25+); the Xen
 * ocontexts (initial sids, pirqs, ioports, iomem, PCI devices, device-tree
 * paths); genfs; range transitions; each type's attribute set.
 */
#include <common/string.h>
#include <common/xmalloc.h>

#include "flask_private.h"

#define POLICYDB_MAGIC 0xf97cff8cU
#define POLICYDB_XEN_STRING "XenFlask"
#define POLICYDB_CONFIG_MLS 1U
#define POLICYDB_CONFIG_UNKNOWN_MASK 6U
#define POLICYDB_VERSION_MIN 24   /* type bounds: the oldest Xen checkpolicy writes */
#define SYM_NUM 8
#define OCON_XEN_ISID 0
#define OCON_XEN_IOMEM 3
#define OCON_XEN_DEVICETREE 5

/* Reads a name of `len` bytes into a new NUL-terminated string. */
static int read_name(struct flask_reader *r, uint32_t len, char **out)
{
    char *s;
    uint32_t i;
    int rc;

    *out = NULL;
    if ( len == 0 || len > FLASK_MAX_NAME )
        return -EINVAL;
    s = xmalloc_bytes(len + 1, 1);
    if ( !s )
        return -ENOMEM;
    rc = flask_read_bytes(r, s, len);
    if ( rc )
    {
        xfree(s);
        return rc;
    }
    s[len] = '\0';
    for ( i = 0; i < len; i++ )
        if ( s[i] == '\0' || s[i] == ':' )
        {
            xfree(s);
            return -EINVAL;
        }
    *out = s;
    return 0;
}

static int read_u32s(struct flask_reader *r, uint32_t *v, unsigned int n)
{
    unsigned int i;
    int rc = 0;

    for ( i = 0; i < n && !rc; i++ )
        rc = flask_read_u32(r, &v[i]);
    return rc;
}

/* Reads an ebitmap into a fixed-size category set. */
static int read_cats(struct flask_reader *r, uint64_t *cat)
{
    struct ebitmap e;
    uint32_t i;
    int rc = ebitmap_read(&e, r, FLASK_MAX_CATS);

    if ( rc )
        return rc;
    memset(cat, 0, sizeof(uint64_t) * MLS_CAT_WORDS);
    for ( i = 0; i < e.nbits / 64; i++ )
        cat[i] = e.w[i];
    ebitmap_free(&e);
    return 0;
}

static int read_level(struct flask_reader *r, struct mls_level *l)
{
    int rc = flask_read_u32(r, &l->sens);

    return rc ? rc : read_cats(r, l->cat);
}

static int read_range(struct flask_reader *r, struct mls_range *rg)
{
    uint32_t items;
    int rc;

    if ( (rc = flask_read_u32(r, &items)) )
        return rc;
    if ( items < 1 || items > 2 )
        return -EINVAL;
    if ( (rc = flask_read_u32(r, &rg->level[0].sens)) )
        return rc;
    rg->level[1].sens = rg->level[0].sens;
    if ( items > 1 && (rc = flask_read_u32(r, &rg->level[1].sens)) )
        return rc;
    if ( (rc = read_cats(r, rg->level[0].cat)) )
        return rc;
    if ( items > 1 )
        return read_cats(r, rg->level[1].cat);
    memcpy(rg->level[1].cat, rg->level[0].cat, sizeof(rg->level[1].cat));
    return 0;
}

static int read_context(struct flask_reader *r, struct context *c)
{
    int rc;

    memset(c, 0, sizeof(*c));
    if ( (rc = flask_read_u32(r, &c->user)) ||
         (rc = flask_read_u32(r, &c->role)) ||
         (rc = flask_read_u32(r, &c->type)) )
        return rc;
    return read_range(r, &c->range);
}

/* Reads a symbol table's header: its value count and entry count. */
static int read_symtab_head(struct flask_reader *r, uint32_t *nprim,
                            uint32_t *nel, uint32_t min_entry_size)
{
    int rc;

    if ( (rc = flask_read_u32(r, nprim)) || (rc = flask_read_u32(r, nel)) )
        return rc;
    if ( *nprim > FLASK_MAX_SYMS || *nel > FLASK_MAX_SYMS ||
         (size_t)*nel * min_entry_size > r->left )
        return -EINVAL;
    return 0;
}

/* Reads `nel` permissions into `names`, values 1..nprim offset by `base`. */
static int read_perms(struct flask_reader *r, char **names, uint32_t nprim,
                      uint32_t base, uint32_t nel)
{
    uint32_t i, b[2];
    char *name;
    int rc;

    for ( i = 0; i < nel; i++ )
    {
        if ( (rc = read_u32s(r, b, 2)) || (rc = read_name(r, b[0], &name)) )
            return rc;
        if ( b[1] == 0 || b[1] + base > nprim || names[b[1] + base - 1] )
        {
            xfree(name);
            return -EINVAL;
        }
        names[b[1] + base - 1] = name;
    }
    return 0;
}

struct common_datum {
    char *name;
    uint32_t nprim;
    char **perms;
};

static void free_names(char **names, uint32_t n)
{
    uint32_t i;

    if ( !names )
        return;
    for ( i = 0; i < n; i++ )
        xfree(names[i]);
    xfree(names);
}

static void free_constraints(struct constraint *c, uint32_t n)
{
    uint32_t i, j;

    if ( !c )
        return;
    for ( i = 0; i < n; i++ )
    {
        for ( j = 0; c[i].expr && j < c[i].nexpr; j++ )
            ebitmap_free(&c[i].expr[j].names);
        xfree(c[i].expr);
    }
    xfree(c);
}

/*
 * Reads `n` constraints.  `keep` false reads and drops them (validatetrans
 * rules, which hvcore does not evaluate).  Expressions are checked to be a
 * well-formed postfix program no deeper than CEXPR_MAXDEPTH.
 */
static int read_constraints(const struct policydb *p, struct flask_reader *r,
                            uint32_t n, bool xtarget, struct constraint **out)
{
    struct constraint *c;
    uint32_t i, j, b[3];
    int depth, rc = 0;

    *out = NULL;
    if ( n > FLASK_MAX_LIST || (size_t)n * 8 > r->left )
        return -EINVAL;
    c = xzalloc_array(struct constraint, n ? n : 1);
    if ( !c )
        return -ENOMEM;
    for ( i = 0; i < n; i++ )
    {
        if ( (rc = read_u32s(r, b, 2)) )
            goto bad;
        c[i].perms = b[0];
        if ( b[1] == 0 || b[1] > 1024 || (size_t)b[1] * 12 > r->left )
        {
            rc = -EINVAL;
            goto bad;
        }
        c[i].expr = xzalloc_array(struct cexpr, b[1]);
        if ( !c[i].expr )
        {
            rc = -ENOMEM;
            goto bad;
        }
        c[i].nexpr = b[1];
        depth = -1;
        for ( j = 0; j < c[i].nexpr; j++ )
        {
            struct cexpr *e = &c[i].expr[j];

            if ( (rc = read_u32s(r, b, 3)) )
                goto bad;
            e->type = b[0];
            e->attr = b[1];
            e->op = b[2];
            rc = -EINVAL;
            switch ( e->type )
            {
            case CEXPR_NOT:
                if ( depth < 0 )
                    goto bad;
                break;
            case CEXPR_AND:
            case CEXPR_OR:
                if ( depth < 1 )
                    goto bad;
                depth--;
                break;
            case CEXPR_ATTR:
                if ( depth == FLASK_CEXPR_MAXDEPTH - 1 )
                    goto bad;
                if ( e->op < CEXPR_EQ || e->op > CEXPR_INCOMP )
                    goto bad;
                switch ( e->attr )
                {
                case CEXPR_USER:
                case CEXPR_TYPE:
                    if ( e->op > CEXPR_NEQ )
                        goto bad;
                    break;
                case CEXPR_ROLE:
                case CEXPR_L1L2: case CEXPR_L1H2: case CEXPR_H1L2:
                case CEXPR_H1H2: case CEXPR_L1H1: case CEXPR_L2H2:
                    break;
                default:
                    goto bad;
                }
                depth++;
                break;
            case CEXPR_NAMES:
            {
                uint32_t who = e->attr & (CEXPR_USER | CEXPR_ROLE |
                                          CEXPR_TYPE);
                struct ebitmap ts, neg;

                if ( depth == FLASK_CEXPR_MAXDEPTH - 1 )
                    goto bad;
                if ( (!xtarget && (e->attr & CEXPR_XTARGET)) ||
                     (who != CEXPR_USER && who != CEXPR_ROLE &&
                      who != CEXPR_TYPE) ||
                     (e->op != CEXPR_EQ && e->op != CEXPR_NEQ) )
                    goto bad;
                depth++;
                if ( (rc = ebitmap_read(&e->names, r, FLASK_MAX_SYMS)) )
                    goto bad;
                if ( p->version >= 29 )
                {
                    /* The source type set, kept for policy tools only. */
                    uint32_t flags;

                    if ( (rc = ebitmap_read(&ts, r, FLASK_MAX_SYMS)) )
                        goto bad;
                    ebitmap_free(&ts);
                    if ( (rc = ebitmap_read(&neg, r, FLASK_MAX_SYMS)) )
                        goto bad;
                    ebitmap_free(&neg);
                    if ( (rc = flask_read_u32(r, &flags)) )
                        goto bad;
                }
                break;
            }
            default:
                goto bad;
            }
            rc = 0;
        }
        if ( depth != 0 )
        {
            rc = -EINVAL;
            goto bad;
        }
    }
    *out = c;
    return 0;

 bad:
    free_constraints(c, n);
    return rc;
}

static int read_commons(struct policydb *p, struct flask_reader *r,
                        struct common_datum **out, uint32_t *count)
{
    uint32_t nprim, nel, i, b[4];
    struct common_datum *c;
    int rc;

    *out = NULL;
    *count = 0;
    if ( (rc = read_symtab_head(r, &nprim, &nel, 16)) )
        return rc;
    if ( nel != nprim )
        return -EINVAL;
    c = xzalloc_array(struct common_datum, nel ? nel : 1);
    if ( !c )
        return -ENOMEM;
    *out = c;
    *count = nel;
    for ( i = 0; i < nel; i++ )
    {
        if ( (rc = read_u32s(r, b, 4)) ||
             (rc = read_name(r, b[0], &c[i].name)) )
            return rc;
        if ( b[2] > 32 || b[3] > b[2] )
            return -EINVAL;
        c[i].nprim = b[2];
        c[i].perms = xzalloc_array(char *, b[2] ? b[2] : 1);
        if ( !c[i].perms )
            return -ENOMEM;
        if ( (rc = read_perms(r, c[i].perms, b[2], 0, b[3])) )
            return rc;
    }
    return 0;
}

static void free_commons(struct common_datum *c, uint32_t n)
{
    uint32_t i;

    if ( !c )
        return;
    for ( i = 0; i < n; i++ )
    {
        xfree(c[i].name);
        free_names(c[i].perms, c[i].nprim);
    }
    xfree(c);
}

static int read_classes(struct policydb *p, struct flask_reader *r,
                        const struct common_datum *commons, uint32_t ncommons)
{
    uint32_t nprim, nel, i, j, b[6], value, n;
    struct constraint *vt;
    char *key, *comkey = NULL;
    int rc;

    if ( (rc = read_symtab_head(r, &nprim, &nel, 24)) )
        return rc;
    if ( nel != nprim )
        return -EINVAL;
    p->classes = xzalloc_array(struct class_datum, nprim ? nprim : 1);
    if ( !p->classes )
        return -ENOMEM;
    p->nclasses = nprim;
    for ( i = 0; i < nel; i++ )
    {
        const struct common_datum *com = NULL;
        struct class_datum *c;

        if ( (rc = read_u32s(r, b, 6)) || (rc = read_name(r, b[0], &key)) )
            return rc;
        value = b[2];
        if ( value == 0 || value > nprim || p->classes[value - 1].name ||
             b[3] > 32 || b[4] > b[3] )
        {
            xfree(key);
            return -EINVAL;
        }
        c = &p->classes[value - 1];
        c->name = key;
        if ( b[1] )
        {
            if ( (rc = read_name(r, b[1], &comkey)) )
                return rc;
            for ( j = 0; j < ncommons; j++ )
                if ( !strcmp(commons[j].name, comkey) )
                    com = &commons[j];
            xfree(comkey);
            if ( !com || com->nprim > b[3] )
                return -EINVAL;
        }
        c->perms.name = xzalloc_array(char *, b[3] ? b[3] : 1);
        if ( !c->perms.name )
            return -ENOMEM;
        c->perms.nprim = b[3];
        n = b[5];
        if ( com )
            for ( j = 0; j < com->nprim; j++ )
            {
                if ( !com->perms[j] )
                    return -EINVAL;
                c->perms.name[j] = xmalloc_bytes(strlen(com->perms[j]) + 1,
                                                 1);
                if ( !c->perms.name[j] )
                    return -ENOMEM;
                memcpy(c->perms.name[j], com->perms[j],
                       strlen(com->perms[j]) + 1);
            }
        /* Class permissions are numbered after the common's. */
        if ( (rc = read_perms(r, c->perms.name, b[3], 0, b[4])) )
            return rc;
        if ( (rc = read_constraints(p, r, n, false, &c->cons)) )
            return rc;
        c->ncons = n;
        if ( (rc = flask_read_u32(r, &n)) ||
             (rc = read_constraints(p, r, n, true, &vt)) )
            return rc;
        free_constraints(vt, n);
        if ( p->version >= 27 )
        {
            if ( (rc = read_u32s(r, b, 3)) )
                return rc;
            c->default_user = b[0];
            c->default_role = b[1];
            c->default_range = b[2];
            if ( b[0] > 2 || b[1] > 2 || b[2] > 6 )
                return -EINVAL;
        }
        if ( p->version >= 28 )
        {
            if ( (rc = flask_read_u32(r, &c->default_type)) )
                return rc;
            if ( c->default_type > 2 )
                return -EINVAL;
        }
    }
    return 0;
}

static int read_roles(struct policydb *p, struct flask_reader *r)
{
    uint32_t nprim, nel, i, b[3];
    char *key;
    int rc;

    if ( (rc = read_symtab_head(r, &nprim, &nel, 36)) )
        return rc;
    if ( nel != nprim || nprim == 0 )
        return -EINVAL;
    p->roles = xzalloc_array(struct role_datum, nprim);
    if ( !p->roles )
        return -ENOMEM;
    p->nroles = nprim;
    for ( i = 0; i < nel; i++ )
    {
        struct role_datum *ro;

        if ( (rc = read_u32s(r, b, 3)) || (rc = read_name(r, b[0], &key)) )
            return rc;
        if ( b[1] == 0 || b[1] > nprim || p->roles[b[1] - 1].name ||
             b[2] > nprim )
        {
            xfree(key);
            return -EINVAL;
        }
        ro = &p->roles[b[1] - 1];
        ro->name = key;
        if ( (rc = ebitmap_read(&ro->dominates, r, nprim)) ||
             (rc = ebitmap_read(&ro->types, r, FLASK_MAX_SYMS)) )
            return rc;
    }
    /* Role 1 is always object_r. */
    if ( strcmp(p->roles[0].name, "object_r") )
        return -EINVAL;
    return 0;
}

static int read_types(struct policydb *p, struct flask_reader *r)
{
    uint32_t nprim, nel, i, b[4];
    char *key;
    int rc;

    if ( (rc = read_symtab_head(r, &nprim, &nel, 20)) )
        return rc;
    if ( nprim == 0 || nel < nprim )
        return -EINVAL;
    p->type_names = xzalloc_array(struct type_name, nel);
    p->type_val_name = xzalloc_array(char *, nprim);
    p->type_is_attr = xzalloc_array(bool, nprim);
    if ( !p->type_names || !p->type_val_name || !p->type_is_attr )
        return -ENOMEM;
    p->ntypes = nprim;
    for ( i = 0; i < nel; i++ )
    {
        if ( (rc = read_u32s(r, b, 4)) || (rc = read_name(r, b[0], &key)) )
            return rc;
        p->type_names[i].name = key;
        p->ntype_names = i + 1;
        if ( b[1] == 0 || b[1] > nprim || b[3] > nprim )
            return -EINVAL;
        p->type_names[i].value = b[1];
        p->type_names[i].props = b[2];
        if ( b[2] & TYPE_PROP_PRIMARY )
        {
            if ( p->type_val_name[b[1] - 1] )
                return -EINVAL;
            p->type_val_name[b[1] - 1] = key;
            p->type_is_attr[b[1] - 1] = b[2] & TYPE_PROP_ATTRIBUTE;
        }
    }
    for ( i = 0; i < nprim; i++ )
        if ( !p->type_val_name[i] )
            return -EINVAL;
    return 0;
}

static int read_users(struct policydb *p, struct flask_reader *r)
{
    uint32_t nprim, nel, i, b[3];
    char *key;
    int rc;

    if ( (rc = read_symtab_head(r, &nprim, &nel, 36)) )
        return rc;
    if ( nel != nprim || nprim == 0 )
        return -EINVAL;
    p->users = xzalloc_array(struct user_datum, nprim);
    if ( !p->users )
        return -ENOMEM;
    p->nusers = nprim;
    for ( i = 0; i < nel; i++ )
    {
        struct user_datum *u;
        struct mls_level dflt;

        if ( (rc = read_u32s(r, b, 3)) || (rc = read_name(r, b[0], &key)) )
            return rc;
        if ( b[1] == 0 || b[1] > nprim || p->users[b[1] - 1].name ||
             b[2] > nprim )
        {
            xfree(key);
            return -EINVAL;
        }
        u = &p->users[b[1] - 1];
        u->name = key;
        if ( (rc = ebitmap_read(&u->roles, r, p->nroles)) ||
             (rc = read_range(r, &u->range)) ||
             (rc = read_level(r, &dflt)) )
            return rc;
    }
    return 0;
}

static int read_bools(struct policydb *p, struct flask_reader *r)
{
    uint32_t nprim, nel, i, b[3];
    char *key;
    int rc;

    if ( (rc = read_symtab_head(r, &nprim, &nel, 13)) )
        return rc;
    if ( nel != nprim )
        return -EINVAL;
    p->bools = xzalloc_array(struct bool_datum, nprim ? nprim : 1);
    if ( !p->bools )
        return -ENOMEM;
    p->nbools = nprim;
    for ( i = 0; i < nel; i++ )
    {
        if ( (rc = read_u32s(r, b, 3)) || (rc = read_name(r, b[2], &key)) )
            return rc;
        if ( b[0] == 0 || b[0] > nprim || p->bools[b[0] - 1].name ||
             b[1] > 1 )
        {
            xfree(key);
            return -EINVAL;
        }
        p->bools[b[0] - 1].name = key;
        p->bools[b[0] - 1].state = b[1];
        p->bools[b[0] - 1].pending = b[1];
    }
    return 0;
}

/* Sensitivities: each names a level (its value and allowed categories). */
static int read_sens(struct policydb *p, struct flask_reader *r,
                     struct mls_level **levels)
{
    uint32_t nprim, nel, i, b[2];
    struct mls_level lv;
    char *key;
    int rc;

    if ( (rc = read_symtab_head(r, &nprim, &nel, 21)) )
        return rc;
    if ( nprim > FLASK_MAX_SENS || nel < nprim )
        return -EINVAL;
    p->sens_names = xzalloc_array(struct type_name, nel ? nel : 1);
    p->sens_name = xzalloc_array(char *, nprim ? nprim : 1);
    *levels = xzalloc_array(struct mls_level, nprim ? nprim : 1);
    if ( !p->sens_names || !p->sens_name || !*levels )
        return -ENOMEM;
    p->nsens = nprim;
    for ( i = 0; i < nel; i++ )
    {
        if ( (rc = read_u32s(r, b, 2)) || (rc = read_name(r, b[0], &key)) )
            return rc;
        p->sens_names[i].name = key;
        p->nsens_names = i + 1;
        if ( (rc = read_level(r, &lv)) )
            return rc;
        if ( lv.sens == 0 || lv.sens > nprim || b[1] > 1 )
            return -EINVAL;
        p->sens_names[i].value = lv.sens;
        p->sens_names[i].props = b[1] ? 0 : TYPE_PROP_PRIMARY;
        if ( !b[1] )
        {
            if ( p->sens_name[lv.sens - 1] )
                return -EINVAL;
            p->sens_name[lv.sens - 1] = key;
            (*levels)[lv.sens - 1] = lv;
        }
    }
    for ( i = 0; i < nprim; i++ )
        if ( !p->sens_name[i] )
            return -EINVAL;
    return 0;
}

static int read_cat_names(struct policydb *p, struct flask_reader *r)
{
    uint32_t nprim, nel, i, b[3];
    char *key;
    int rc;

    if ( (rc = read_symtab_head(r, &nprim, &nel, 13)) )
        return rc;
    if ( nprim > FLASK_MAX_CATS || nel < nprim )
        return -EINVAL;
    p->cat_names = xzalloc_array(struct type_name, nel ? nel : 1);
    p->cat_val_name = xzalloc_array(char *, nprim ? nprim : 1);
    if ( !p->cat_names || !p->cat_val_name )
        return -ENOMEM;
    p->ncats = nprim;
    for ( i = 0; i < nel; i++ )
    {
        if ( (rc = read_u32s(r, b, 3)) || (rc = read_name(r, b[0], &key)) )
            return rc;
        p->cat_names[i].name = key;
        p->ncat_names = i + 1;
        if ( b[1] == 0 || b[1] > nprim || b[2] > 1 )
            return -EINVAL;
        p->cat_names[i].value = b[1];
        if ( !b[2] )
        {
            if ( p->cat_val_name[b[1] - 1] )
                return -EINVAL;
            p->cat_val_name[b[1] - 1] = key;
        }
    }
    for ( i = 0; i < nprim; i++ )
        if ( !p->cat_val_name[i] )
            return -EINVAL;
    return 0;
}

/* One TE rule: u16 source, target, class, kind, then a u32 datum. */
static int read_avtab_item(const struct policydb *p, struct flask_reader *r,
                           struct avtab_entry *e)
{
    uint32_t k[2], data;
    uint16_t spec;
    int rc;

    if ( (rc = read_u32s(r, k, 2)) || (rc = flask_read_u32(r, &data)) )
        return rc;
    memset(e, 0, sizeof(*e));
    e->stype = k[0] & 0xffff;
    e->ttype = k[0] >> 16;
    e->tclass = k[1] & 0xffff;
    /* Conditional rules may carry AVTAB_ENABLED; hvcore recomputes it. */
    spec = (k[1] >> 16) & ~AVTAB_ENABLED;
    e->specified = spec;
    e->data = data;
    /* Exactly one kind; extended permissions are not supported. */
    if ( (spec & AVTAB_XPERMS) || !spec || (spec & (spec - 1)) ||
         !(spec & (AVTAB_AV | AVTAB_TYPE)) )
        return -EINVAL;
    if ( !e->stype || e->stype > p->ntypes || !e->ttype ||
         e->ttype > p->ntypes || !e->tclass || e->tclass > p->nclasses )
        return -EINVAL;
    if ( (spec & AVTAB_TYPE) && (!data || data > p->ntypes) )
        return -EINVAL;
    return 0;
}

static int read_avtab(struct policydb *p, struct flask_reader *r)
{
    struct avtab_entry e;
    uint32_t nel, i;
    int rc;

    if ( (rc = flask_read_u32(r, &nel)) )
        return rc;
    if ( (size_t)nel * 12 > r->left )
        return -EINVAL;
    if ( (rc = avtab_alloc(&p->te, nel)) )
        return rc;
    for ( i = 0; i < nel; i++ )
        if ( (rc = read_avtab_item(p, r, &e)) ||
             (rc = avtab_insert(&p->te, &e, false, NULL)) )
            return rc;
    return 0;
}

/* Evaluates a boolean expression (postfix); -1 when malformed. */
static int cond_evaluate(const struct policydb *p, const struct cond_node *n)
{
    int s[FLASK_COND_MAXDEPTH];
    int sp = -1;
    uint32_t i;

    for ( i = 0; i < n->nexpr; i++ )
    {
        const struct cond_expr *e = &n->expr[i];

        if ( e->type == 1 )
        {
            if ( sp == FLASK_COND_MAXDEPTH - 1 )
                return -1;
            s[++sp] = p->bools[e->boolean - 1].state;
            continue;
        }
        if ( e->type == 2 )
        {
            if ( sp < 0 )
                return -1;
            s[sp] = !s[sp];
            continue;
        }
        if ( sp < 1 )
            return -1;
        sp--;
        switch ( e->type )
        {
        case 3: s[sp] |= s[sp + 1]; break;            /* or */
        case 4: s[sp] &= s[sp + 1]; break;            /* and */
        case 5: s[sp] ^= s[sp + 1]; break;            /* xor */
        case 6: s[sp] = (s[sp] == s[sp + 1]); break;  /* eq */
        case 7: s[sp] = (s[sp] != s[sp + 1]); break;  /* neq */
        default: return -1;
        }
    }
    return sp == 0 ? s[0] : -1;
}

/* Puts the branch `v` of `c` in force (the other one out of force). */
static void cond_apply(struct policydb *p, const struct cond_node *c, int v)
{
    uint32_t j;

    for ( j = 0; j < c->ntrue; j++ )
        p->te_cond.e[c->true_list[j]].enabled = v;
    for ( j = 0; j < c->nfalse; j++ )
        p->te_cond.e[c->false_list[j]].enabled = !v;
}

/**
 * Puts the conditional rules the booleans' states select in force (Xen's
 * evaluate_cond_node for every node).  The loader checked every
 * expression, so each evaluates.  Call with `p` private or the policy
 * write lock held.
 */
void policydb_cond_update(struct policydb *p)
{
    uint32_t i;

    for ( i = 0; i < p->ncond; i++ )
    {
        int v = cond_evaluate(p, &p->cond[i]);

        ASSERT(v >= 0);
        cond_apply(p, &p->cond[i], v);
    }
}

static int read_cond_list(struct policydb *p, struct flask_reader *r,
                          uint32_t *count, uint32_t **out)
{
    struct avtab_entry e;
    uint32_t n, i, idx;
    int rc;

    *out = NULL;
    *count = 0;
    if ( (rc = flask_read_u32(r, &n)) )
        return rc;
    if ( (size_t)n * 12 > r->left || p->te_cond.nel + n > FLASK_MAX_AVTAB )
        return -EINVAL;
    *out = xzalloc_array(uint32_t, n ? n : 1);
    if ( !*out )
        return -ENOMEM;
    for ( i = 0; i < n; i++ )
    {
        if ( (rc = read_avtab_item(p, r, &e)) )
            return rc;
        if ( (rc = avtab_insert(&p->te_cond, &e, true, &idx)) )
            return rc;
        (*out)[i] = idx;
        *count = i + 1;
    }
    return 0;
}

static int read_conds(struct policydb *p, struct flask_reader *r)
{
    uint32_t n, i, j, b[2];
    int rc, v;

    if ( (rc = flask_read_u32(r, &n)) )
        return rc;
    if ( n > FLASK_MAX_LIST || (size_t)n * 16 > r->left )
        return -EINVAL;
    p->cond = xzalloc_array(struct cond_node, n ? n : 1);
    if ( !p->cond )
        return -ENOMEM;
    p->ncond = n;
    if ( (rc = avtab_alloc(&p->te_cond, 64)) )
        return rc;
    for ( i = 0; i < n; i++ )
    {
        struct cond_node *c = &p->cond[i];

        if ( (rc = read_u32s(r, b, 2)) )
            return rc;
        if ( b[1] == 0 || b[1] > 64 )
            return -EINVAL;
        c->expr = xzalloc_array(struct cond_expr, b[1]);
        if ( !c->expr )
            return -ENOMEM;
        c->nexpr = b[1];
        for ( j = 0; j < c->nexpr; j++ )
        {
            if ( (rc = read_u32s(r, b, 2)) )
                return rc;
            c->expr[j].type = b[0];
            c->expr[j].boolean = b[1];
            if ( b[0] < 1 || b[0] > 7 ||
                 (b[0] == 1 && (b[1] == 0 || b[1] > p->nbools)) )
                return -EINVAL;
        }
        if ( (rc = read_cond_list(p, r, &c->ntrue, &c->true_list)) ||
             (rc = read_cond_list(p, r, &c->nfalse, &c->false_list)) )
            return rc;
        v = cond_evaluate(p, c);
        if ( v < 0 )
            return -EINVAL;
        cond_apply(p, c, v);
    }
    return 0;
}

static int read_ocontexts(struct policydb *p, struct flask_reader *r,
                          uint32_t ocon_num)
{
    uint32_t i, j, nel, b[2], len;
    struct context ctx;
    uint64_t b64[2];
    int rc;

    for ( i = 0; i < ocon_num; i++ )
    {
        if ( (rc = flask_read_u32(r, &nel)) )
            return rc;
        if ( (size_t)nel * 20 > r->left )
            return -EINVAL;
        if ( i == OCON_XEN_ISID )
        {
            p->isids = xzalloc_array(struct isid, nel ? nel : 1);
            if ( !p->isids )
                return -ENOMEM;
        }
        for ( j = 0; j < nel; j++ )
        {
            switch ( i )
            {
            case OCON_XEN_ISID:
                rc = flask_read_u32(r, &b[0]);
                break;
            case OCON_XEN_IOMEM:
                if ( p->version < 30 )
                    rc = read_u32s(r, b, 2);
                else if ( !(rc = flask_read_u64(r, &b64[0])) )
                    rc = flask_read_u64(r, &b64[1]);
                break;
            case 2: /* ioport: low, high */
                rc = read_u32s(r, b, 2);
                break;
            case OCON_XEN_DEVICETREE:
                rc = flask_read_u32(r, &len);
                if ( !rc && len > 4096 )
                    rc = -EINVAL;
                if ( !rc )
                    rc = flask_skip(r, len);
                break;
            default: /* pirq, PCI device: one u32 */
                rc = flask_read_u32(r, &b[0]);
                break;
            }
            if ( rc || (rc = read_context(r, &ctx)) )
                return rc;
            if ( !policydb_context_isvalid(p, &ctx) )
                return -EINVAL;
            if ( i == OCON_XEN_ISID )
            {
                if ( b[0] == 0 || b[0] > SECINITSID_NUM )
                    return -EINVAL;
                p->isids[p->nisids].sid = b[0];
                p->isids[p->nisids].ctx = ctx;
                p->nisids++;
            }
        }
    }
    return 0;
}

static int read_genfs(struct flask_reader *r)
{
    uint32_t nel, nel2, i, j, len, sclass;
    struct context ctx;
    int rc;

    if ( (rc = flask_read_u32(r, &nel)) )
        return rc;
    if ( (size_t)nel * 8 > r->left )
        return -EINVAL;
    for ( i = 0; i < nel; i++ )
    {
        if ( (rc = flask_read_u32(r, &len)) || len > FLASK_MAX_NAME ||
             (rc = flask_skip(r, len)) || (rc = flask_read_u32(r, &nel2)) )
            return rc ? rc : -EINVAL;
        if ( (size_t)nel2 * 8 > r->left )
            return -EINVAL;
        for ( j = 0; j < nel2; j++ )
            if ( (rc = flask_read_u32(r, &len)) || len > FLASK_MAX_NAME ||
                 (rc = flask_skip(r, len)) ||
                 (rc = flask_read_u32(r, &sclass)) ||
                 (rc = read_context(r, &ctx)) )
                return rc ? rc : -EINVAL;
    }
    return 0;
}

static bool level_isvalid(const struct policydb *p,
                          const struct mls_level *levels,
                          const struct mls_level *l)
{
    unsigned int i;

    if ( !p->mls )
        return true;
    if ( l->sens == 0 || l->sens > p->nsens )
        return false;
    for ( i = 0; i < MLS_CAT_WORDS; i++ )
        if ( l->cat[i] & ~levels[l->sens - 1].cat[i] )
            return false;
    return true;
}

/**
 * True if `c` is a valid context of `p`: user, role and type exist, the
 * user may take the role and the role the type (object_r excepted), and in
 * an MLS policy the range is well formed and within the user's.
 */
bool policydb_context_isvalid(const struct policydb *p,
                              const struct context *c)
{
    const struct user_datum *u;

    if ( !c->user || c->user > p->nusers || !c->role ||
         c->role > p->nroles || !c->type || c->type > p->ntypes )
        return false;
    u = &p->users[c->user - 1];
    if ( c->role != 1 )
    {
        if ( !ebitmap_get(&p->roles[c->role - 1].types, c->type - 1) ||
             !ebitmap_get(&u->roles, c->role - 1) )
            return false;
    }
    if ( !p->mls )
        return true;
    if ( !level_isvalid(p, p->sens_levels, &c->range.level[0]) ||
         !level_isvalid(p, p->sens_levels, &c->range.level[1]) )
        return false;
    if ( c->range.level[0].sens == 0 || c->range.level[0].sens > p->nsens ||
         c->range.level[1].sens == 0 || c->range.level[1].sens > p->nsens ||
         !mls_level_dom(&c->range.level[1], &c->range.level[0]) )
        return false;
    if ( c->role == 1 )
        return true;
    return mls_level_dom(&c->range.level[0], &u->range.level[0]) &&
           mls_level_dom(&u->range.level[1], &c->range.level[1]);
}

static int read_range_trans(struct policydb *p, struct flask_reader *r)
{
    uint32_t n, i, b[3];
    int rc;

    if ( (rc = flask_read_u32(r, &n)) )
        return rc;
    if ( n > FLASK_MAX_LIST || (size_t)n * 24 > r->left )
        return -EINVAL;
    p->range_trans = xzalloc_array(struct range_trans, n ? n : 1);
    if ( !p->range_trans )
        return -ENOMEM;
    for ( i = 0; i < n; i++ )
    {
        struct range_trans *t = &p->range_trans[i];

        if ( (rc = read_u32s(r, b, 3)) || (rc = read_range(r, &t->range)) )
            return rc;
        t->stype = b[0];
        t->ttype = b[1];
        t->tclass = b[2];
        p->nrange_trans = i + 1;
        if ( !b[0] || b[0] > p->ntypes || !b[1] || b[1] > p->ntypes ||
             !b[2] || b[2] > p->nclasses )
            return -EINVAL;
    }
    return 0;
}

/* The policy's classes must be exactly hvcore's (classes.h). */
static int check_classes(const struct policydb *p)
{
    unsigned int i, j;

    if ( p->nclasses != SECCLASS_COUNT )
        return -EINVAL;
    for ( i = 0; i < SECCLASS_COUNT; i++ )
    {
        const struct flask_class_def *d = &flask_class_defs[i];
        const struct class_datum *c = &p->classes[i];

        if ( !c->name || strcmp(c->name, d->name) ||
             c->perms.nprim != d->nperms )
            return -EINVAL;
        for ( j = 0; j < d->nperms; j++ )
            if ( !c->perms.name[j] || strcmp(c->perms.name[j], d->perms[j]) )
                return -EINVAL;
    }
    return 0;
}

/** Parses a binary policy; see flask_private.h. */
int policydb_read(struct policydb *p, const void *data, size_t size)
{
    struct flask_reader rd = { data, size }, *r = &rd;
    struct common_datum *commons = NULL;
    uint32_t b[4], ncommons = 0, n, i, ocon_num;
    struct ebitmap caps;
    char str[8];
    int rc;

    memset(p, 0, sizeof(*p));
    if ( size > FLASK_POLICY_MAX_SIZE )
        return -EINVAL;
    rc = -EINVAL;
    if ( read_u32s(r, b, 2) || b[0] != POLICYDB_MAGIC ||
         b[1] != sizeof(str) || flask_read_bytes(r, str, sizeof(str)) ||
         memcmp(str, POLICYDB_XEN_STRING, sizeof(str)) ||
         read_u32s(r, b, 4) )
        goto out;
    p->version = b[0];
    ocon_num = p->version >= 30 ? 6 : 5;
    if ( b[0] < POLICYDB_VERSION_MIN || b[0] > POLICYDB_VERSION_MAX ||
         (b[1] & ~(POLICYDB_CONFIG_MLS | POLICYDB_CONFIG_UNKNOWN_MASK)) ||
         b[2] != SYM_NUM || b[3] != ocon_num )
        goto out;
    p->mls = b[1] & POLICYDB_CONFIG_MLS;
    p->handle_unknown = b[1] & POLICYDB_CONFIG_UNKNOWN_MASK;

    if ( (rc = ebitmap_read(&caps, r, 64)) )
        goto out;
    ebitmap_free(&caps);
    if ( (rc = ebitmap_read(&p->permissive, r, FLASK_MAX_SYMS)) ||
         (rc = read_commons(p, r, &commons, &ncommons)) ||
         (rc = read_classes(p, r, commons, ncommons)) ||
         (rc = read_roles(p, r)) ||
         (rc = read_types(p, r)) ||
         (rc = read_users(p, r)) ||
         (rc = read_bools(p, r)) ||
         (rc = read_sens(p, r, &p->sens_levels)) ||
         (rc = read_cat_names(p, r)) )
        goto out;
    rc = -EINVAL;
    for ( i = 0; i < p->nclasses; i++ )
        if ( !p->classes[i].name )
            goto out;
    for ( i = 0; i < p->nroles; i++ )
        if ( !p->roles[i].name )
            goto out;
    for ( i = 0; i < p->nusers; i++ )
        if ( !p->users[i].name )
            goto out;
    for ( i = 0; i < p->nbools; i++ )
        if ( !p->bools[i].name )
            goto out;
    if ( p->mls && p->nsens == 0 )
        goto out;
    if ( (rc = check_classes(p)) )
        goto out;

    if ( (rc = read_avtab(p, r)) || (rc = read_conds(p, r)) )
        goto out;
    /* Role transitions: role, type, new role, class (v26+). */
    if ( (rc = flask_read_u32(r, &n)) )
        goto out;
    if ( n > FLASK_MAX_LIST || (size_t)n * 12 > r->left )
    {
        rc = -EINVAL;
        goto out;
    }
    p->role_trans = xzalloc_array(struct role_trans, n ? n : 1);
    if ( !p->role_trans )
    {
        rc = -ENOMEM;
        goto out;
    }
    for ( i = 0; i < n; i++ )
    {
        struct role_trans *t = &p->role_trans[i];

        if ( (rc = read_u32s(r, b, 3)) )
            goto out;
        t->role = b[0];
        t->type = b[1];
        t->new_role = b[2];
        t->tclass = SECCLASS_domain;
        if ( p->version >= 26 && (rc = flask_read_u32(r, &t->tclass)) )
            goto out;
        p->nrole_trans = i + 1;
        rc = -EINVAL;
        if ( !t->role || t->role > p->nroles || !t->type ||
             t->type > p->ntypes || !t->new_role ||
             t->new_role > p->nroles || !t->tclass ||
             t->tclass > p->nclasses )
            goto out;
    }
    /* Role allows: read and checked, not used by hvcore's decisions. */
    if ( (rc = flask_read_u32(r, &n)) )
        goto out;
    if ( (size_t)n * 8 > r->left )
    {
        rc = -EINVAL;
        goto out;
    }
    for ( i = 0; i < n; i++ )
        if ( (rc = read_u32s(r, b, 2)) )
            goto out;
    if ( p->version >= 25 )
    {
        /* Filename transitions: none in a Xen policy, but parse them. */
        if ( (rc = flask_read_u32(r, &n)) )
            goto out;
        if ( (size_t)n * 20 > r->left )
        {
            rc = -EINVAL;
            goto out;
        }
        for ( i = 0; i < n; i++ )
            if ( (rc = flask_read_u32(r, &b[0])) ||
                 (b[0] > FLASK_MAX_NAME && (rc = -EINVAL)) ||
                 (rc = flask_skip(r, b[0])) || (rc = read_u32s(r, b, 4)) )
                goto out;
    }
    if ( (rc = read_ocontexts(p, r, ocon_num)) || (rc = read_genfs(r)) ||
         (rc = read_range_trans(p, r)) )
        goto out;

    p->type_attr = xzalloc_array(struct ebitmap, p->ntypes);
    if ( !p->type_attr )
    {
        rc = -ENOMEM;
        goto out;
    }
    for ( i = 0; i < p->ntypes; i++ )
    {
        if ( (rc = ebitmap_read(&p->type_attr[i], r, p->ntypes)) )
            goto out;
        /* The type itself is the degenerate attribute (libsepol adds it). */
        if ( !ebitmap_get(&p->type_attr[i], i) )
        {
            struct ebitmap e;
            uint32_t words = (p->ntypes + 63) / 64, w;

            e.w = xzalloc_array(uint64_t, words);
            if ( !e.w )
            {
                rc = -ENOMEM;
                goto out;
            }
            e.nbits = words * 64;
            for ( w = 0; w < p->type_attr[i].nbits / 64; w++ )
                e.w[w] = p->type_attr[i].w[w];
            e.w[i / 64] |= 1ULL << (i % 64);
            ebitmap_free(&p->type_attr[i]);
            p->type_attr[i] = e;
        }
    }
    /* Trailing bytes mean the image is not what we think it is. */
    rc = r->left ? -EINVAL : 0;
    if ( !rc )
    {
        /* Every initial sid must have a valid context: found above. */
        for ( i = 0; i < p->nisids; i++ )
            if ( p->isids[i].sid == SECINITSID_UNLABELED )
                break;
        if ( i == p->nisids )
            rc = -EINVAL;
    }

 out:
    free_commons(commons, ncommons);
    if ( rc )
        policydb_destroy(p);
    return rc;
}

/** Frees everything `policydb_read` allocated; `p` reads as empty. */
void policydb_destroy(struct policydb *p)
{
    uint32_t i;

    ebitmap_free(&p->permissive);
    for ( i = 0; p->classes && i < p->nclasses; i++ )
    {
        xfree(p->classes[i].name);
        free_names(p->classes[i].perms.name, p->classes[i].perms.nprim);
        free_constraints(p->classes[i].cons, p->classes[i].ncons);
    }
    xfree(p->classes);
    for ( i = 0; p->roles && i < p->nroles; i++ )
    {
        xfree(p->roles[i].name);
        ebitmap_free(&p->roles[i].dominates);
        ebitmap_free(&p->roles[i].types);
    }
    xfree(p->roles);
    for ( i = 0; p->type_names && i < p->ntype_names; i++ )
        xfree(p->type_names[i].name);
    xfree(p->type_names);
    xfree(p->type_val_name);
    xfree(p->type_is_attr);
    for ( i = 0; p->users && i < p->nusers; i++ )
    {
        xfree(p->users[i].name);
        ebitmap_free(&p->users[i].roles);
    }
    xfree(p->users);
    for ( i = 0; p->bools && i < p->nbools; i++ )
        xfree(p->bools[i].name);
    xfree(p->bools);
    for ( i = 0; p->sens_names && i < p->nsens_names; i++ )
        xfree(p->sens_names[i].name);
    xfree(p->sens_names);
    xfree(p->sens_name);
    xfree(p->sens_levels);
    for ( i = 0; p->cat_names && i < p->ncat_names; i++ )
        xfree(p->cat_names[i].name);
    xfree(p->cat_names);
    xfree(p->cat_val_name);
    avtab_free(&p->te);
    avtab_free(&p->te_cond);
    for ( i = 0; p->cond && i < p->ncond; i++ )
    {
        xfree(p->cond[i].expr);
        xfree(p->cond[i].true_list);
        xfree(p->cond[i].false_list);
    }
    xfree(p->cond);
    xfree(p->role_trans);
    xfree(p->range_trans);
    xfree(p->isids);
    for ( i = 0; p->type_attr && i < p->ntypes; i++ )
        ebitmap_free(&p->type_attr[i]);
    xfree(p->type_attr);
    memset(p, 0, sizeof(*p));
}

/* True if `s` is exactly the `len` bytes at `name` (no NUL needed there). */
static bool name_is(const char *s, const char *name, size_t len)
{
    return !strncmp(s, name, len) && s[len] == '\0';
}

static uint32_t name_lookup(const struct type_name *t, uint32_t n,
                            const char *name, size_t len)
{
    uint32_t i;

    for ( i = 0; i < n; i++ )
        if ( t[i].name && name_is(t[i].name, name, len) )
            return t[i].value;
    return 0;
}

/** A type's value by name (aliases included), or 0. */
uint32_t policydb_type_value(const struct policydb *p, const char *name,
                             size_t len)
{
    return name_lookup(p->type_names, p->ntype_names, name, len);
}

/** A role's value by name, or 0. */
uint32_t policydb_role_value(const struct policydb *p, const char *name,
                             size_t len)
{
    uint32_t i;

    for ( i = 0; i < p->nroles; i++ )
        if ( name_is(p->roles[i].name, name, len) )
            return i + 1;
    return 0;
}

/** A user's value by name, or 0. */
uint32_t policydb_user_value(const struct policydb *p, const char *name,
                             size_t len)
{
    uint32_t i;

    for ( i = 0; i < p->nusers; i++ )
        if ( name_is(p->users[i].name, name, len) )
            return i + 1;
    return 0;
}

/** A boolean's value (its number, from 1) by name, or 0. */
uint32_t policydb_bool_value(const struct policydb *p, const char *name,
                             size_t len)
{
    uint32_t i;

    for ( i = 0; i < p->nbools; i++ )
        if ( name_is(p->bools[i].name, name, len) )
            return i + 1;
    return 0;
}

/** A class's value by name, or 0. */
uint32_t policydb_class_value(const struct policydb *p, const char *name)
{
    uint32_t i;

    for ( i = 0; i < p->nclasses; i++ )
        if ( !strcmp(p->classes[i].name, name) )
            return i + 1;
    return 0;
}

/** A sensitivity's value by name (aliases included), or 0. */
uint32_t policydb_sens_value(const struct policydb *p, const char *name,
                             size_t len)
{
    return name_lookup(p->sens_names, p->nsens_names, name, len);
}

/** A category's value by name (aliases included), or 0. */
uint32_t policydb_cat_value(const struct policydb *p, const char *name,
                            size_t len)
{
    return name_lookup(p->cat_names, p->ncat_names, name, len);
}
