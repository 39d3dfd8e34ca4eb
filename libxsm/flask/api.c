/* SPDX-License-Identifier: MIT */
/* libxsm/flask.h: the security server for tools, over services.c/avc.c. */
#include <common/string.h>
#include <libxsm/flask.h>

#include "flask_private.h"

/** See flask.h. */
int flask_load_policy(const void *data, size_t size)
{
    return security_load_policy(data, size);
}

/** See flask.h. */
uint32_t flask_policy_seqno(void)
{
    return security_policy_seqno();
}

/** See flask.h. */
void flask_set_enforcing(bool enforcing)
{
    bool was = hal_read_once(&flask_enforcing);

    hal_write_once(&flask_enforcing, enforcing);
    if ( enforcing && !was )
        avc_ss_reset(security_policy_seqno());
}

/** See flask.h. */
int flask_context_to_sid(const char *s, size_t len, uint32_t *sid)
{
    return security_context_to_sid(s, len, sid);
}

/** See flask.h. */
int flask_sid_to_context(uint32_t sid, char *buf, size_t size)
{
    return security_sid_to_context(sid, buf, size);
}

/** See flask.h. */
uint16_t flask_class_by_name(const char *name)
{
    unsigned int i;

    for ( i = 0; i < SECCLASS_COUNT; i++ )
        if ( !strcmp(flask_class_defs[i].name, name) )
            return i + 1;
    return 0;
}

/** See flask.h. */
const char *flask_perm_name(uint16_t tclass, unsigned int bit)
{
    return security_perm_name(tclass, bit);
}

/** See flask.h. */
int flask_compute_av(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                     struct flask_av *av)
{
    struct av_decision avd;
    int rc = security_compute_av(ssid, tsid, tclass, &avd);

    if ( !rc )
    {
        av->allowed = avd.allowed;
        av->auditallow = avd.auditallow;
        av->auditdeny = avd.auditdeny;
        av->seqno = avd.seqno;
    }
    return rc;
}

/** See flask.h. */
int flask_compute_create(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                         uint32_t *newsid)
{
    return security_transition_sid(ssid, tsid, tclass, newsid);
}

/** See flask.h. */
int flask_compute_member(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                         uint32_t *newsid)
{
    return security_compute_sid(ssid, tsid, tclass, AVTAB_MEMBER, newsid);
}

/** See flask.h. */
int flask_compute_relabel(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                          uint32_t *newsid)
{
    return security_compute_sid(ssid, tsid, tclass, AVTAB_CHANGE, newsid);
}

/** See flask.h. */
int flask_has_perm(uint32_t ssid, uint32_t tsid, uint16_t tclass,
                   uint32_t requested)
{
    return avc_has_perm(ssid, tsid, tclass, requested);
}

/** See flask.h. */
void flask_avc_stats(struct flask_avc_stats *out)
{
    struct avc_stats s;

    avc_get_stats(&s);
    out->lookups = s.lookups;
    out->hits = s.hits;
    out->misses = s.misses;
    out->allocations = s.allocations;
    out->reclaims = s.reclaims;
    out->frees = s.frees;
}

/** See flask.h. */
void flask_avc_flush(void)
{
    avc_ss_reset(security_policy_seqno());
}
