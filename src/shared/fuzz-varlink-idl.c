/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fuzz-varlink-idl.c — interface descriptions, and JSON checked against them. The input is a
 * description, optionally followed by a NUL and a JSON object, which is then checked against every
 * parameter list the description declares. */

#undef NDEBUG
#include <assert.h>
#include <stdint.h>

#include "varlink-idl.h"
#include "varlink-message.h"

#define FUZZ_INPUT_MAX (64U * 1024U)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_type(const VarlinkType *t, unsigned depth) {
        assert(t);
        assert(t->kind >= 0 && t->kind < _VARLINK_TYPE_KIND_MAX);
        assert(depth < 1000);
        if (t->kind == VARLINK_TYPE_NAMED)
                assert(t->symbol && t->symbol->kind == VARLINK_SYMBOL_TYPE && streq(t->symbol->name, t->name));
        if (IN_SET(t->kind, VARLINK_TYPE_ARRAY, VARLINK_TYPE_DICT))
                check_type(t->element, depth + 1);
        for (size_t i = 0; i < t->n_fields; i++) {
                assert(varlink_field_name_is_valid(t->fields[i].name));
                assert((t->kind == VARLINK_TYPE_ENUM) == !t->fields[i].type);
                if (t->fields[i].type)
                        check_type(t->fields[i].type, depth + 1);
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        _cleanup_(conf_error_done) ConfError e = {};
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ json_object *v = NULL;
        const char *json;
        int r;

        if (size > FUZZ_INPUT_MAX)
                return 0;

        text = malloc(size + 1);
        assert(text);
        memcpy(text, data, size);
        text[size] = '\0';

        r = varlink_interface_parse(text, "fuzz.varlink", &i, &e);
        if (r < 0) {
                _cleanup_free_ char *msg = conf_error_format(&e);

                assert(IN_SET(r, -EBADMSG, -ENOMEM));
                assert(msg);
                assert(!i);
                return 0;
        }

        assert(varlink_interface_name_is_valid(i->name));
        assert(i->n_symbols > 0);
        for (size_t k = 0; k < i->n_symbols; k++) {
                const VarlinkSymbol *s = &i->symbols[k];

                assert(varlink_symbol_name_is_valid(s->name));
                assert(varlink_interface_find(i, s->kind, s->name) == s);
                check_type(s->input, 0);
                if (s->kind == VARLINK_SYMBOL_METHOD)
                        check_type(s->output, 0);
                else
                        assert(!s->output);
        }

        /* The JSON after the first NUL, if any. */
        json = memchr(data, '\0', size);
        if (!json)
                return 0;
        json++;
        if (json_parse_object_strict(json, size - (size_t) (json - (const char *) data), FUZZ_INPUT_MAX, NULL, &v,
                                     NULL) < 0)
                return 0;

        for (size_t k = 0; k < i->n_symbols; k++) {
                const VarlinkSymbol *s = &i->symbols[k];
                const char *bad = NULL;

                r = varlink_type_validate(s->input, v, &bad);
                assert(r == 0 ? !bad : r == -EINVAL);
                if (s->output)
                        (void) varlink_type_validate(s->output, v, NULL);
        }
        return 0;
}
