/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-draft.c — drafts policy files from the devices present now (tdispctl generate-policy). */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "driver-match.h"
#include "policy-draft.h"
#include "strv.h"

/* A longer list of devices in a file's header comment says nothing more. */
#define DRAFT_LISTED_MAX 32U
#define DRAFT_SLUG_MAX 48U

typedef enum DraftMatch {
        DRAFT_MATCH_IDS,                /* Vendor=, Device= and, where known, the subsystem ids */
        DRAFT_MATCH_MODALIAS,           /* no identifiers, but a modalias */
        DRAFT_MATCH_PATH,               /* neither: the device's own name */
} DraftMatch;

typedef struct DraftGroup {
        char *key;
        DraftMatch match;
        const DeviceInfo **members;
        size_t n_members;
} DraftGroup;

static bool has_ids(const DeviceInfo *d) {
        return (d->ids & (DEVICE_ID_VENDOR | DEVICE_ID_DEVICE)) == (DEVICE_ID_VENDOR | DEVICE_ID_DEVICE);
}

/* What Path= and Modalias= accept: printable ASCII without spaces. */
static bool glob_literal_ok(const char *s) {
        if (isempty(s))
                return false;
        for (; *s; s++)
                if (*s <= ' ' || *s > '~')
                        return false;
        return true;
}

/* The glob that matches exactly s: fnmatch() takes a backslash as "the next character literally". */
static char *glob_escape(const char *s) {
        char *e = malloc(strlen(s) * 2 + 1), *p = e;

        if (!e)
                return NULL;
        for (; *s; s++) {
                if (strchr("*?[]\\", *s))
                        *p++ = '\\';
                *p++ = *s;
        }
        *p = '\0';
        return e;
}

/* Lowercase letters and digits, anything else one '-': for file names. */
static char *slug(const char *s) {
        char *out = malloc(DRAFT_SLUG_MAX + 1);
        size_t n = 0;

        if (!out)
                return NULL;
        for (; *s && n < DRAFT_SLUG_MAX; s++) {
                char c = *s >= 'A' && *s <= 'Z' ? (char) (*s - 'A' + 'a') : *s;

                if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
                        out[n++] = c;
                else if (n > 0 && out[n - 1] != '-')
                        out[n++] = '-';
        }
        while (n > 0 && out[n - 1] == '-')
                n--;
        out[n] = '\0';
        if (n == 0)
                strcpy(out, "device");
        return out;
}

static int device_key(const DeviceInfo *d, DraftMatch *ret_match, char **ret_key) {
        char sv[16] = "-", sd[16] = "-";
        int k;

        if (!driver_glob_is_valid(d->bus))
                return -EINVAL;

        if (d->ids & DEVICE_ID_SUBSYSTEM_VENDOR)
                snprintf(sv, sizeof(sv), "%x", d->subsystem_vendor);
        if (d->ids & DEVICE_ID_SUBSYSTEM_DEVICE)
                snprintf(sd, sizeof(sd), "%x", d->subsystem_device);

        if (has_ids(d)) {
                *ret_match = DRAFT_MATCH_IDS;
                k = asprintf(ret_key, "%s|%d|ids|%x|%x|%s|%s", d->bus, d->tdisp, d->vendor, d->device, sv,
                             sd);
        } else if (glob_literal_ok(d->modalias)) {
                *ret_match = DRAFT_MATCH_MODALIAS;
                k = asprintf(ret_key, "%s|%d|modalias|%s", d->bus, d->tdisp, d->modalias);
        } else if (glob_literal_ok(d->sysname)) {
                *ret_match = DRAFT_MATCH_PATH;
                k = asprintf(ret_key, "%s|%d|path|%s", d->bus, d->tdisp, d->sysname);
        } else
                return -EINVAL;

        return k < 0 ? -ENOMEM : 0;
}

static int group_compare(const void *a, const void *b) {
        return strcmp(((const DraftGroup *) a)->key, ((const DraftGroup *) b)->key);
}

static int member_compare(const void *a, const void *b) {
        return strcmp((*(const DeviceInfo *const *) a)->syspath, (*(const DeviceInfo *const *) b)->syspath);
}

static int draft_compare(const void *a, const void *b) {
        return strcmp(((const PolicyDraft *) a)->filename, ((const PolicyDraft *) b)->filename);
}

/* The one driver all members have, or NULL if they differ or have none. *ret_any: some have one. */
static const char *group_driver(const DraftGroup *g, bool *ret_any) {
        const char *driver = g->members[0]->driver;
        bool any = false;

        for (size_t i = 0; i < g->n_members; i++) {
                any = any || g->members[i]->driver;
                if (!streq_ptr(g->members[i]->driver, driver))
                        driver = NULL;
        }
        *ret_any = any;
        return driver;
}

static char *group_base_name(const DraftGroup *g) {
        const DeviceInfo *d = g->members[0];
        _cleanup_free_ char *bus = slug(d->bus), *what = NULL;
        const char *colon;
        char *name;

        if (!bus)
                return NULL;
        switch (g->match) {
        case DRAFT_MATCH_IDS:
                if (asprintf(&what, "%04x-%04x", d->vendor, d->device) < 0)
                        return NULL;
                break;
        case DRAFT_MATCH_MODALIAS:
                /* "platform:serial8250" → "serial8250": the bus is in the name already. */
                colon = strchr(d->modalias, ':');
                what = slug(colon ? colon + 1 : d->modalias);
                break;
        case DRAFT_MATCH_PATH:
                what = slug(d->sysname);
                break;
        }
        /* A TDISP-capable variant of a model is a different device, with a file of its own. */
        if (!what || asprintf(&name, "50-%s-%s%s", bus, what, d->tdisp ? "-tdisp" : "") < 0)
                return NULL;
        return name;
}

static bool name_taken(const PolicyDraft *drafts, size_t n, const char *filename) {
        for (size_t i = 0; i < n; i++)
                if (streq(drafts[i].filename, filename))
                        return true;
        return false;
}

/* "50-pci-8086-10d3.policy"; on a clash the subsystem ids, then a counter, tell drafts apart. */
static int group_filename(const DraftGroup *g, const PolicyDraft *drafts, size_t n, char **ret) {
        _cleanup_free_ char *base = group_base_name(g);
        const DeviceInfo *d = g->members[0];
        char *name = NULL;

        if (!base || asprintf(&name, "%s.policy", base) < 0)
                return -ENOMEM;
        if (name_taken(drafts, n, name) && g->match == DRAFT_MATCH_IDS &&
            (d->ids & (DEVICE_ID_SUBSYSTEM_VENDOR | DEVICE_ID_SUBSYSTEM_DEVICE))) {
                name = mfree(name);
                if (asprintf(&name, "%s-%04x-%04x.policy", base, d->subsystem_vendor,
                             d->subsystem_device) < 0)
                        return -ENOMEM;
        }
        for (unsigned k = 2; name_taken(drafts, n, name); k++) {
                name = mfree(name);
                if (asprintf(&name, "%s-%u.policy", base, k) < 0)
                        return -ENOMEM;
        }
        *ret = name;
        return 0;
}

static void write_devices(FILE *f, const DraftGroup *g) {
        for (size_t i = 0; i < g->n_members && i < DRAFT_LISTED_MAX; i++) {
                const DeviceInfo *d = g->members[i];

                fprintf(f, "#   %s", d->sysname);
                if (d->modalias)
                        fprintf(f, "  modalias %s", d->modalias);
                if (d->driver)
                        fprintf(f, "  driver %s", d->driver);
                else
                        fprintf(f, "  (no driver)");
                fputc('\n', f);
        }
        if (g->n_members > DRAFT_LISTED_MAX)
                fprintf(f, "#   ... and %zu more\n", g->n_members - DRAFT_LISTED_MAX);
}

static int group_contents(const DraftGroup *g, const char *source, char **ret) {
        _cleanup_free_ char *buf = NULL, *glob = NULL;
        const DeviceInfo *d = g->members[0];
        const char *driver;
        size_t size = 0;
        bool any_driver;
        FILE *f;

        driver = group_driver(g, &any_driver);
        /* A driver name Driver= would refuse cannot be pinned; the trusted list decides then. */
        if (driver && !driver_name_is_valid(driver))
                driver = NULL;

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;

        bool one = g->n_members == 1;

        fprintf(f, "# Drafted by \"tdispctl generate-policy\" from %zu device%s seen by %s.\n", g->n_members,
                one ? "" : "s", source);
        if (driver)
                fprintf(f, "# Review before installing: it lets driver '%s', and no other, bind %s as an\n"
                           "# ordinary (shared, T=0) device.\n",
                        driver, one ? "this device" : "these devices, each");
        else if (any_driver)
                fprintf(f, "# Review before installing: the devices had different drivers, so it lets any\n"
                           "# driver in TrustedDrivers= bind them as ordinary (shared, T=0) devices.\n");
        else
                fprintf(f, "# Review before installing: %s no driver when this was drafted, so it keeps\n"
                           "# %s without one.\n",
                        one ? "the device had" : "the devices had", one ? "it" : "them");
        if (d->tdisp)
                fprintf(f, "# %s TDISP: Action=accept would have %s attested before any driver binds.\n",
                        one ? "This device offers" : "These devices offer", one ? "it" : "them");
        fprintf(f, "#\n");
        write_devices(f, g);

        fprintf(f, "\n[Match]\nBus=%s\n", d->bus);
        switch (g->match) {
        case DRAFT_MATCH_IDS:
                fprintf(f, "Vendor=0x%04x\nDevice=0x%04x\n", d->vendor, d->device);
                if (d->ids & DEVICE_ID_SUBSYSTEM_VENDOR)
                        fprintf(f, "SubsystemVendor=0x%04x\n", d->subsystem_vendor);
                if (d->ids & DEVICE_ID_SUBSYSTEM_DEVICE)
                        fprintf(f, "SubsystemDevice=0x%04x\n", d->subsystem_device);
                break;
        case DRAFT_MATCH_MODALIAS:
                glob = glob_escape(d->modalias);
                fprintf(f, "Modalias=%s\n", strempty(glob));
                break;
        case DRAFT_MATCH_PATH:
                glob = glob_escape(d->sysname);
                fprintf(f, "Path=%s\n", strempty(glob));
                break;
        }
        /* Explicit either way: a model that later shows up offering TDISP is a different device. */
        fprintf(f, "TDISP=%s\n", d->tdisp ? "yes" : "no");

        fprintf(f, "\n[Policy]\nAction=%s\n", any_driver ? "shared" : "deny");
        if (driver)
                fprintf(f, "Driver=%s\n", driver);

        if (fclose(f) != 0 || !buf || (g->match != DRAFT_MATCH_IDS && !glob))
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

void policy_draft_free_many(PolicyDraft *drafts, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(drafts[i].filename);
                free(drafts[i].contents);
                strv_free(drafts[i].devices);
        }
        free(drafts);
}

static void groups_free(DraftGroup *groups, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free(groups[i].key);
                free(groups[i].members);
        }
        free(groups);
}

static int groups_add(DraftGroup **groups, size_t *n, const DeviceInfo *d, char *key, DraftMatch match) {
        DraftGroup *g = NULL;
        const DeviceInfo **m;

        for (size_t i = 0; i < *n && !g; i++)
                if (streq((*groups)[i].key, key))
                        g = &(*groups)[i];
        if (g)
                free(key);
        else {
                DraftGroup *t = reallocarray(*groups, *n + 1, sizeof(DraftGroup));

                if (!t) {
                        free(key);
                        return -ENOMEM;
                }
                *groups = t;
                g = &t[(*n)++];
                *g = (DraftGroup) { .key = key, .match = match };
        }

        m = reallocarray(g->members, g->n_members + 1, sizeof(DeviceInfo *));
        if (!m)
                return -ENOMEM;
        g->members = m;
        g->members[g->n_members++] = d;
        return 0;
}

int policy_draft_generate(DeviceInfo *const *infos, size_t n, const char *source, PolicyDraft **ret,
                          size_t *ret_n, char ***ret_skipped) {
        _cleanup_strv_free_ char **skipped = NULL;
        DraftGroup *groups = NULL;
        PolicyDraft *drafts = NULL;
        size_t n_groups = 0, n_drafts = 0;
        int r = 0;

        assert(infos || n == 0);
        assert(source);
        assert(ret && ret_n);

        for (size_t i = 0; i < n && r >= 0; i++) {
                DraftMatch match;
                char *key;

                r = device_key(infos[i], &match, &key);
                if (r == -EINVAL)
                        r = strv_extend(&skipped, strna(infos[i]->sysname));
                else if (r >= 0)
                        r = groups_add(&groups, &n_groups, infos[i], key, match);
        }
        if (r < 0)
                goto fail;

        /* A stable order throughout, so that the same devices always give the same files. */
        if (n_groups > 0)
                qsort(groups, n_groups, sizeof(DraftGroup), group_compare);
        for (size_t i = 0; i < n_groups; i++)
                qsort(groups[i].members, groups[i].n_members, sizeof(DeviceInfo *), member_compare);

        drafts = calloc(MAX(n_groups, 1U), sizeof(PolicyDraft));
        if (!drafts) {
                r = -ENOMEM;
                goto fail;
        }
        for (size_t i = 0; i < n_groups; i++) {
                PolicyDraft *p = &drafts[n_drafts];

                r = group_filename(&groups[i], drafts, n_drafts, &p->filename);
                if (r >= 0)
                        r = group_contents(&groups[i], source, &p->contents);
                for (size_t k = 0; r >= 0 && k < groups[i].n_members; k++)
                        r = strv_extend(&p->devices, groups[i].members[k]->sysname);
                n_drafts++;
                if (r < 0)
                        goto fail;
        }
        if (n_drafts > 0)
                qsort(drafts, n_drafts, sizeof(PolicyDraft), draft_compare);

        groups_free(groups, n_groups);
        *ret = drafts;
        *ret_n = n_drafts;
        if (ret_skipped)
                *ret_skipped = TAKE_PTR(skipped);
        return 0;

fail:
        groups_free(groups, n_groups);
        policy_draft_free_many(drafts, n_drafts);
        return r;
}
