/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* varlink-message.c — Varlink calls and replies: parsing what a peer sent, formatting what we send.
 *
 * Every string that ends up in C code is checked for an embedded "\u0000", which json-c keeps but
 * strlen() would silently cut at. */

#include <assert.h>
#include <stdlib.h>

#include "varlink-message.h"

/* Longer names are legal in principle but never used; refusing them keeps logs and errors short. */
#define VARLINK_NAME_MAX 255U

static bool ascii_alpha(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_alnum(char c) {
        return ascii_alpha(c) || (c >= '0' && c <= '9');
}

bool varlink_interface_name_is_valid(const char *s) {
        size_t components = 0;
        const char *p = s;

        if (!s || strlen(s) > VARLINK_NAME_MAX)
                return false;

        /* [A-Za-z]([-]*[A-Za-z0-9])*(\.[A-Za-z0-9]([-]*[A-Za-z0-9])*)+ */
        for (;;) {
                if (components == 0 ? !ascii_alpha(*p) : !ascii_alnum(*p))
                        return false;
                p++;
                for (;;) {
                        while (*p == '-')
                                p++;
                        if (!ascii_alnum(*p)) {
                                /* A hyphen must be followed by a letter or digit. */
                                if (p[-1] == '-')
                                        return false;
                                break;
                        }
                        p++;
                }
                components++;
                if (*p == '\0')
                        return components >= 2;
                if (*p != '.')
                        return false;
                p++;
        }
}

bool varlink_symbol_name_is_valid(const char *s) {
        if (!s || !(*s >= 'A' && *s <= 'Z') || strlen(s) > VARLINK_NAME_MAX)
                return false;
        for (s++; *s; s++)
                if (!ascii_alnum(*s))
                        return false;
        return true;
}

bool varlink_field_name_is_valid(const char *s) {
        if (!s || !ascii_alpha(*s) || strlen(s) > VARLINK_NAME_MAX)
                return false;
        /* [A-Za-z](_?[A-Za-z0-9])* */
        for (s++; *s; s++) {
                if (*s == '_')
                        s++;
                if (!ascii_alnum(*s))
                        return false;
        }
        return true;
}

bool varlink_qualified_name_is_valid(const char *s) {
        const char *dot;
        char buf[VARLINK_NAME_MAX + 1];

        if (!s)
                return false;
        dot = strrchr(s, '.');
        if (!dot || (size_t) (dot - s) > VARLINK_NAME_MAX)
                return false;
        memcpy(buf, s, (size_t) (dot - s));
        buf[dot - s] = '\0';
        return varlink_interface_name_is_valid(buf) && varlink_symbol_name_is_valid(dot + 1);
}

int varlink_json_format(json_object *v, char **ret, size_t *ret_size) {
        const char *s;
        size_t n;
        char *copy;

        assert(ret);

        s = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
                                              &n);
        if (!s)
                return -ENOMEM;
        copy = malloc(n + 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, s, n + 1);

        *ret = copy;
        if (ret_size)
                *ret_size = n;
        return 0;
}

const char *varlink_json_get_string(json_object *v) {
        const char *s;

        if (!json_object_is_type(v, json_type_string))
                return NULL;
        s = json_object_get_string(v);
        if (strlen(s) != (size_t) json_object_get_string_len(v))
                return NULL;
        return s;
}

/* Header members without a '.' are the specification's; with one they are a vendor's. */
static bool member_is_vendor_extension(const char *key) {
        return strchr(key, '.') != NULL;
}

static int parse_flag(json_object *v, bool *ret) {
        if (!v) {
                *ret = false;
                return 0;
        }
        if (!json_object_is_type(v, json_type_boolean))
                return -EBADMSG;
        *ret = json_object_get_boolean(v);
        return 0;
}

static int parse_parameters(json_object *v, json_object **ret) {
        if (!v) {
                *ret = json_object_new_object();
                return *ret ? 0 : -ENOMEM;
        }
        if (!json_object_is_type(v, json_type_object))
                return -EBADMSG;
        *ret = json_object_get(v);
        return 0;
}

static int fail(const char **ret_reason, const char *reason, int error) {
        if (ret_reason)
                *ret_reason = reason;
        return error;
}

static int message_parse(const char *data, size_t size, size_t max_size, json_object **ret,
                         const char **ret_reason) {
        _cleanup_(conf_error_done) ConfError e = {};
        int r;

        /* A NUL ends a message on the wire; inside one it can only be an attack on strlen(). */
        if (size > 0 && memchr(data, '\0', size))
                return fail(ret_reason, "NUL byte inside the message", -EBADMSG);
        r = json_parse_object_strict(data, size, max_size, NULL, ret, &e);
        if (r == -E2BIG)
                return fail(ret_reason, "message too large", r);
        if (r < 0)
                return fail(ret_reason, "not a strict JSON object", r);
        return 0;
}

void varlink_call_done(VarlinkCall *c) {
        free(c->method);
        json_object_put(c->parameters);
        *c = (VarlinkCall) {};
}

void varlink_reply_done(VarlinkReply *r) {
        free(r->error);
        json_object_put(r->parameters);
        *r = (VarlinkReply) {};
}

int varlink_call_parse(const char *data, size_t size, size_t max_size, VarlinkCall *ret,
                       const char **ret_reason) {
        _cleanup_json_ json_object *v = NULL;
        _cleanup_(varlink_call_done) VarlinkCall call = {};
        json_object *method = NULL, *parameters = NULL;
        bool more = false, oneway = false, upgrade = false;
        const char *name;
        int r;

        assert(ret);

        r = message_parse(data, size, max_size, &v, ret_reason);
        if (r < 0)
                return r;

        json_object_object_foreach(v, key, value) {
                if (streq(key, "method"))
                        method = value;
                else if (streq(key, "parameters"))
                        parameters = value;
                else if (streq(key, "more"))
                        r = parse_flag(value, &more);
                else if (streq(key, "oneway"))
                        r = parse_flag(value, &oneway);
                else if (streq(key, "upgrade"))
                        r = parse_flag(value, &upgrade);
                else if (!member_is_vendor_extension(key))
                        return fail(ret_reason, "unknown member in call", -EBADMSG);
                if (r < 0)
                        return fail(ret_reason, "flag is not a boolean", r);
        }

        name = varlink_json_get_string(method);
        if (!name)
                return fail(ret_reason, "\"method\" missing or not a string", -EBADMSG);
        if (!varlink_qualified_name_is_valid(name))
                return fail(ret_reason, "\"method\" is not a valid qualified name", -EBADMSG);
        if (more + oneway + upgrade > 1)
                return fail(ret_reason, "more than one of \"more\", \"oneway\", \"upgrade\" set", -EBADMSG);
        r = parse_parameters(parameters, &call.parameters);
        if (r == -EBADMSG)
                return fail(ret_reason, "\"parameters\" is not an object", r);
        if (r < 0)
                return r;

        call.method = strdup(name);
        if (!call.method)
                return -ENOMEM;
        call.flags = (more ? VARLINK_CALL_MORE : 0) | (oneway ? VARLINK_CALL_ONEWAY : 0) |
                     (upgrade ? VARLINK_CALL_UPGRADE : 0);

        *ret = call;
        call = (VarlinkCall) {};
        return 0;
}

int varlink_reply_parse(const char *data, size_t size, size_t max_size, VarlinkReply *ret,
                        const char **ret_reason) {
        _cleanup_json_ json_object *v = NULL;
        _cleanup_(varlink_reply_done) VarlinkReply reply = {};
        json_object *error = NULL, *parameters = NULL;
        bool continues = false;
        int r;

        assert(ret);

        r = message_parse(data, size, max_size, &v, ret_reason);
        if (r < 0)
                return r;

        json_object_object_foreach(v, key, value) {
                if (streq(key, "error"))
                        error = value;
                else if (streq(key, "parameters"))
                        parameters = value;
                else if (streq(key, "continues"))
                        r = parse_flag(value, &continues);
                else if (!member_is_vendor_extension(key))
                        return fail(ret_reason, "unknown member in reply", -EBADMSG);
                if (r < 0)
                        return fail(ret_reason, "\"continues\" is not a boolean", r);
        }

        if (error) {
                const char *name = varlink_json_get_string(error);

                if (!name || !varlink_qualified_name_is_valid(name))
                        return fail(ret_reason, "\"error\" is not a valid qualified name", -EBADMSG);
                if (continues)
                        return fail(ret_reason, "error reply with \"continues\"", -EBADMSG);
                reply.error = strdup(name);
                if (!reply.error)
                        return -ENOMEM;
        }
        r = parse_parameters(parameters, &reply.parameters);
        if (r == -EBADMSG)
                return fail(ret_reason, "\"parameters\" is not an object", r);
        if (r < 0)
                return r;
        reply.continues = continues;

        *ret = reply;
        reply = (VarlinkReply) {};
        return 0;
}

static int object_add(json_object *o, const char *key, json_object *v) {
        if (!v)
                return -ENOMEM;
        if (json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                return -ENOMEM;
        }
        return 0;
}

static int message_format(json_object *o, json_object *parameters, char **ret, size_t *ret_size) {
        int r;

        if (parameters) {
                assert(json_object_is_type(parameters, json_type_object));
                r = object_add(o, "parameters", json_object_get(parameters));
                if (r < 0)
                        return r;
        }
        return varlink_json_format(o, ret, ret_size);
}

int varlink_call_format(const char *method, json_object *parameters, VarlinkCallFlags flags, char **ret,
                        size_t *ret_size) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        assert(varlink_qualified_name_is_valid(method));

        if (!o)
                return -ENOMEM;
        r = object_add(o, "method", json_object_new_string(method));
        if (r >= 0 && (flags & VARLINK_CALL_MORE))
                r = object_add(o, "more", json_object_new_boolean(true));
        if (r >= 0 && (flags & VARLINK_CALL_ONEWAY))
                r = object_add(o, "oneway", json_object_new_boolean(true));
        if (r >= 0 && (flags & VARLINK_CALL_UPGRADE))
                r = object_add(o, "upgrade", json_object_new_boolean(true));
        if (r < 0)
                return r;
        return message_format(o, parameters, ret, ret_size);
}

int varlink_reply_format(json_object *parameters, bool continues, char **ret, size_t *ret_size) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        if (continues) {
                r = object_add(o, "continues", json_object_new_boolean(true));
                if (r < 0)
                        return r;
        }
        return message_format(o, parameters, ret, ret_size);
}

int varlink_error_format(const char *error, json_object *parameters, char **ret, size_t *ret_size) {
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        assert(varlink_qualified_name_is_valid(error));

        if (!o)
                return -ENOMEM;
        r = object_add(o, "error", json_object_new_string(error));
        if (r < 0)
                return r;
        return message_format(o, parameters, ret, ret_size);
}
