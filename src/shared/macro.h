/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* macro.h — cleanup attributes, ownership transfer and small helpers used everywhere. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((__cleanup__(f)))
#define _printf_(a, b) __attribute__((__format__(printf, a, b)))
#define _sentinel_ __attribute__((__sentinel__))
#define _unused_ __attribute__((__unused__))
#define _pure_ __attribute__((__pure__))
#define _const_ __attribute__((__const__))
#define _noreturn_ __attribute__((__noreturn__))
#define _likely_(x) (__builtin_expect(!!(x), 1))
#define _unlikely_(x) (__builtin_expect(!!(x), 0))

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* Hands ownership of a pointer or fd out of a _cleanup_ variable. */
#define TAKE_GENERIC(var, type, nullvalue)                     \
        ({                                                     \
                type *_pvar_ = &(var);                         \
                type _var_ = *_pvar_;                          \
                type _nullvalue_ = nullvalue;                  \
                *_pvar_ = _nullvalue_;                         \
                _var_;                                         \
        })
#define TAKE_PTR_TYPE(ptr, type) TAKE_GENERIC(ptr, type, NULL)
#define TAKE_PTR(ptr) TAKE_PTR_TYPE(ptr, typeof(ptr))
#define TAKE_FD(fd) TAKE_GENERIC(fd, int, -EBADF)

/* Declares a cleanup helper for a type whose destructor returns NULL. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                \
        static inline void func##p(type *p) {                  \
                if (*p)                                        \
                        *p = func(*p);                         \
        }

static inline void *mfree(void *p) {
        free(p);
        return NULL;
}

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void closep(int *fd) {
        if (*fd >= 0) {
                int saved_errno = errno;
                (void) close(*fd);
                errno = saved_errno;
        }
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

static inline bool streq(const char *a, const char *b) {
        return strcmp(a, b) == 0;
}

static inline bool streq_ptr(const char *a, const char *b) {
        if (!a || !b)
                return a == b;
        return streq(a, b);
}

static inline const char *strempty(const char *s) {
        return s ?: "";
}

static inline const char *strna(const char *s) {
        return s ?: "n/a";
}

static inline bool isempty(const char *s) {
        return !s || s[0] == '\0';
}

/* Returns the text after prefix, or NULL if s does not start with it. */
static inline const char *startswith(const char *s, const char *prefix) {
        size_t l = strlen(prefix);
        return strncmp(s, prefix, l) == 0 ? s + l : NULL;
}

/* Replaces *dst with a copy of src (NULL allowed). */
static inline int free_and_strdup(char **dst, const char *src) {
        char *t = NULL;

        if (src) {
                t = strdup(src);
                if (!t)
                        return -ENOMEM;
        }
        free(*dst);
        *dst = t;
        return 0;
}

/* Enum ↔ string tables in the systemd style: NAME_to_string() / NAME_from_string(). */
#define DEFINE_STRING_TABLE_LOOKUP(name, type, max)                             \
        const char *name##_to_string(type i) {                                   \
                if (i < 0 || i >= (type) (max))                                  \
                        return NULL;                                             \
                return name##_table[i];                                          \
        }                                                                        \
        type name##_from_string(const char *s) {                                 \
                if (!s)                                                          \
                        return (type) -EINVAL;                                   \
                for (type i = 0; i < (type) (max); i++)                          \
                        if (name##_table[i] && streq(name##_table[i], s))        \
                                return i;                                        \
                return (type) -EINVAL;                                           \
        }

#define DECLARE_STRING_TABLE_LOOKUP(name, type)                                 \
        const char *name##_to_string(type i) _const_;                            \
        type name##_from_string(const char *s) _pure_

/* True if x equals one of the listed values. */
#define IN_SET(x, ...)                                                           \
        ({                                                                       \
                const typeof(x) _in_set_values_[] = { __VA_ARGS__ };             \
                const typeof(x) _in_set_x_ = (x);                                \
                bool _in_set_found_ = false;                                     \
                for (size_t _i_ = 0; _i_ < ELEMENTSOF(_in_set_values_); _i_++)   \
                        if (_in_set_x_ == _in_set_values_[_i_]) {                \
                                _in_set_found_ = true;                           \
                                break;                                           \
                        }                                                        \
                _in_set_found_;                                                  \
        })
