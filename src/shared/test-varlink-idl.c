/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* test-varlink-idl.c — the interface description grammar (good and broken descriptions, with the line
 * each error names) and checking parameters against a description. */

#undef NDEBUG
#include <assert.h>
#include <stdio.h>

#include "varlink-idl.h"
#include "varlink-message.h"

static const char example[] =
        "# Interface to jump a spacecraft to another point in space.\n"
        "interface org.example.ftl\n"
        "\n"
        "# The current state of the drive.\n"
        "type DriveCondition (\n"
        "  state: (idle, spooling, busy),\n"
        "  tylium_level: int\n"
        ")\n"
        "\n"
        "type Coordinate (longitude: float, latitude: float, distance: int)\n"
        "\n"
        "type Tree (name: string, children: ?[]Tree)\n"
        "\n"
        "method Monitor() -> (condition: DriveCondition)\n"
        "method CalculateConfiguration(\n"
        "  current: Coordinate, # comment after a field\n"
        "  target: Coordinate\n"
        ") -> (configuration: (speed: int, trajectory: int, duration: int))\n"
        "method Jump(tags: [string](), labels: ?[string]string, anything: ?any, payload: ?object,\n"
        "            tree: ?Tree, flags: []bool, note: ?string) -> ()\n"
        "error NotEnoughEnergy ()\n"
        "error ParameterOutOfRange (field: string)\n";

static void test_example(void) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        _cleanup_(conf_error_done) ConfError e = {};
        const VarlinkSymbol *s;

        assert(varlink_interface_parse(example, "ftl.varlink", &i, &e) == 0);
        assert(streq(i->name, "org.example.ftl"));
        assert(i->n_symbols == 8);

        s = varlink_interface_find(i, VARLINK_SYMBOL_TYPE, "DriveCondition");
        assert(s && s->line == 5);
        assert(s->input->kind == VARLINK_TYPE_STRUCT && s->input->n_fields == 2);
        assert(s->input->fields[0].type->kind == VARLINK_TYPE_ENUM);
        assert(s->input->fields[0].type->n_fields == 3);
        assert(streq(s->input->fields[0].type->fields[2].name, "busy"));

        s = varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "CalculateConfiguration");
        assert(s && s->line == 15);
        assert(s->input->fields[0].type->kind == VARLINK_TYPE_NAMED);
        assert(s->input->fields[0].type->symbol == varlink_interface_find(i, VARLINK_SYMBOL_TYPE, "Coordinate"));
        assert(s->output->fields[0].type->kind == VARLINK_TYPE_STRUCT);

        s = varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "Jump");
        assert(s->input->n_fields == 7);
        assert(s->input->fields[0].type->kind == VARLINK_TYPE_DICT);
        assert(s->input->fields[0].type->element->kind == VARLINK_TYPE_STRUCT);
        assert(s->input->fields[1].type->nullable);

        assert(varlink_interface_find(i, VARLINK_SYMBOL_ERROR, "NotEnoughEnergy"));
        assert(!varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "NotEnoughEnergy"));
        assert(!varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "Fly"));
}

typedef struct BadCase {
        const char *text;
        unsigned line;
} BadCase;

static void test_bad(void) {
        static const BadCase cases[] = {
                { "", 1 },
                { "# only a comment\n", 2 },
                { "interface org.example.x\n", 2 },
                { "interfaces org.example.x\nmethod A() -> ()\n", 1 },
                { "interface org\nmethod A() -> ()\n", 1 },
                { "interface org.example.x method A() -> ()\n", 1 },
                { "interface org.example.x\nmethod A() -> () method B() -> ()\n", 2 },
                { "interface org.example.x\nmethod a() -> ()\n", 2 },
                { "interface org.example.x\nmethod A()\n", 3 },
                { "interface org.example.x\nmethod A(x) -> ()\n", 2 },
                { "interface org.example.x\nmethod A() -> (x, y)\n", 2 },
                { "interface org.example.x\nmethod A(x: int,) -> ()\n", 2 },
                { "interface org.example.x\nmethod A(x: int, x: int) -> ()\n", 2 },
                { "interface org.example.x\nmethod A(x: ??int) -> ()\n", 2 },
                { "interface org.example.x\nmethod A(x: integer) -> ()\n", 2 },
                { "interface org.example.x\nmethod A(x: Missing) -> ()\n", 2 },
                { "interface org.example.x\nmethod A(x_: int) -> ()\n", 2 },
                { "interface org.example.x\nmethod A(x: [int]string) -> ()\n", 2 },
                { "interface org.example.x\ntype T (a, b: int)\n", 2 },
                { "interface org.example.x\ntype T (a: int)\nerror T ()\n", 3 },
                { "interface org.example.x\nmethod A() -> ()\nmethod A() -> ()\n", 3 },
                { "interface org.example.x\nstruct T (a: int)\n", 2 },
                { "interface org.example.x\nmethod A() -> (\n\tx: int\n", 4 },
                { "interface org.example.x\nerror E\n", 3 },
                { "interface org.example.x\ntype T (a: int)\nmethod A(t: ?T, u: U) -> ()\n", 3 },
        };

        for (size_t k = 0; k < ELEMENTSOF(cases); k++) {
                _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
                _cleanup_(conf_error_done) ConfError e = {};
                _cleanup_free_ char *text = NULL;
                int r;

                r = varlink_interface_parse(cases[k].text, "bad.varlink", &i, &e);
                text = conf_error_format(&e);
                if (r != -EBADMSG || e.line != cases[k].line) {
                        fprintf(stderr, "case %zu: got %d at line %u (%s), expected line %u\n", k, r, e.line,
                                strna(text), cases[k].line);
                        assert(false);
                }
                assert(!i);
                assert(streq(e.filename, "bad.varlink"));
                printf("%s\n", text);
        }

        /* Nesting is bounded, so hostile input cannot exhaust the stack. */
        _cleanup_free_ char *deep = malloc(20000);
        assert(deep);
        strcpy(deep, "interface org.example.x\nmethod A(x: ");
        for (size_t k = 0; k < 5000; k++)
                strcat(deep, "[]");
        strcat(deep, "int) -> ()\n");
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        _cleanup_(conf_error_done) ConfError e = {};
        assert(varlink_interface_parse(deep, NULL, &i, &e) == -EBADMSG);
}

static json_object *parse(const char *text) {
        json_object *v = NULL;
        ConfError e = {};

        assert(json_parse_object_strict(text, strlen(text), 1 << 20, NULL, &v, &e) == 0);
        return v;
}

static void check(const VarlinkType *t, const char *json, int result, const char *bad_field) {
        _cleanup_json_ json_object *v = parse(json);
        const char *bad = "unset";
        int r;

        r = varlink_type_validate(t, v, &bad);
        if (r != result || !streq_ptr(bad, bad_field)) {
                fprintf(stderr, "%s: got %d (%s), expected %d (%s)\n", json, r, strna(bad), result, strna(bad_field));
                assert(false);
        }
}

static void test_validate(void) {
        _cleanup_(varlink_interface_freep) VarlinkInterface *i = NULL;
        const VarlinkSymbol *jump, *calc, *mon;

        assert(varlink_interface_parse(example, NULL, &i, NULL) == 0);
        jump = varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "Jump");
        calc = varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "CalculateConfiguration");
        mon = varlink_interface_find(i, VARLINK_SYMBOL_METHOD, "Monitor");

        check(mon->input, "{}", 0, NULL);
        check(mon->input, "{\"x\":1}", -EINVAL, "x");
        check(mon->output, "{\"condition\":{\"state\":\"busy\",\"tylium_level\":3}}", 0, NULL);
        check(mon->output, "{\"condition\":{\"state\":\"asleep\",\"tylium_level\":3}}", -EINVAL, "condition");
        check(mon->output, "{\"condition\":{\"state\":\"busy\"}}", -EINVAL, "condition");
        check(mon->output, "{\"condition\":null}", -EINVAL, "condition");
        check(mon->output, "{}", -EINVAL, "condition");

        check(calc->input,
              "{\"current\":{\"longitude\":1.5,\"latitude\":-2,\"distance\":3},"
              "\"target\":{\"longitude\":0,\"latitude\":0,\"distance\":0}}",
              0, NULL);
        /* int means an integer: 3.0 and 1e3 are floats. */
        check(calc->input,
              "{\"current\":{\"longitude\":1.5,\"latitude\":-2,\"distance\":3.0},"
              "\"target\":{\"longitude\":0,\"latitude\":0,\"distance\":0}}",
              -EINVAL, "current");
        check(calc->input, "{\"current\":{\"longitude\":1,\"latitude\":1,\"distance\":1}}", -EINVAL, "target");

        check(jump->input, "{\"tags\":{},\"flags\":[]}", 0, NULL);
        check(jump->input, "{\"tags\":{\"a\":{},\"b\":{}},\"flags\":[true,false],\"labels\":null,\"anything\":[1,\"x\"],"
                           "\"payload\":{\"free\":[1]},\"note\":\"hi\"}",
              0, NULL);
        check(jump->input, "{\"tags\":{\"a\":{\"x\":1}},\"flags\":[]}", -EINVAL, "tags");
        check(jump->input, "{\"tags\":{},\"flags\":[1]}", -EINVAL, "flags");
        check(jump->input, "{\"tags\":{},\"flags\":[null]}", -EINVAL, "flags");
        check(jump->input, "{\"tags\":[],\"flags\":[]}", -EINVAL, "tags");
        check(jump->input, "{\"tags\":{},\"flags\":[],\"labels\":{\"a\":1}}", -EINVAL, "labels");
        check(jump->input, "{\"tags\":{},\"flags\":[],\"payload\":[]}", -EINVAL, "payload");
        check(jump->input, "{\"tags\":{},\"flags\":[],\"note\":\"a\\u0000b\"}", -EINVAL, "note");
        check(jump->input, "{\"tags\":{},\"flags\":[],\"tree\":{\"name\":\"a\",\"children\":[{\"name\":\"b\"}]}}", 0,
              NULL);
        check(jump->input, "{\"tags\":{},\"flags\":[],\"tree\":{\"name\":\"a\",\"children\":[{\"nom\":\"b\"}]}}", -EINVAL,
              "tree");

        /* Not an object at all. */
        _cleanup_json_ json_object *s = json_object_new_string("x");
        const char *bad = "unset";
        assert(varlink_type_validate(jump->input, s, &bad) == -EINVAL);
        assert(!bad);
}

int main(void) {
        test_example();
        test_bad();
        test_validate();
        return 0;
}
