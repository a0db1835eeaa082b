/*
 * The code table: lookups in every form, and every number and symbol checked
 * against the Windows SDK's winerror.h where it is installed.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/alloc.h"

#define WINERROR_H "/usr/share/mingw-w64/include/winerror.h"

static struct table t;

static void setup(void)
{
    tu_load_codes(&t);
}

static void teardown(void)
{
    table_free(&t);
}

START_TEST(test_every_documented_range)
{
    static const long win32[] = {6, 8, 87, 995, 996, 997};
    static const char *win32_sym[] = {"WSA_INVALID_HANDLE",    "WSA_NOT_ENOUGH_MEMORY",
                                      "WSA_INVALID_PARAMETER", "WSA_OPERATION_ABORTED",
                                      "WSA_IO_INCOMPLETE",     "WSA_IO_PENDING"};
    for (size_t i = 0; i < 6; i++) {
        const struct wcode *c = table_by_code(&t, win32[i]);
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->symbol, win32_sym[i]);
    }
    for (long code = 11001; code <= 11033; code++)
        ck_assert_msg(table_by_code(&t, code) != NULL, "missing %ld", code);
    ck_assert_str_eq(table_by_code(&t, 10004)->symbol, "WSAEINTR");
    ck_assert_str_eq(table_by_code(&t, 10112)->symbol, "WSAEREFUSED");
    ck_assert_str_eq(table_by_code(&t, 11032)->symbol, "WSA_SECURE_HOST_NOT_FOUND");
    ck_assert_str_eq(table_by_code(&t, 11033)->symbol, "WSA_IPSEC_NAME_POLICY_ERROR");
    ck_assert_ptr_null(table_by_code(&t, 10001));
    ck_assert_ptr_null(table_by_code(&t, 10255));
}
END_TEST

START_TEST(test_connreset_entry)
{
    const struct wcode *c = table_by_code(&t, 10054);
    char hex[16], hres[16];

    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(c->symbol, "WSAECONNRESET");
    ck_assert_str_eq(c->message, "An existing connection was forcibly closed by the remote host.");
    ck_assert_str_eq(c->title, "Connection reset by peer.");
    ck_assert_str_eq(c->posix, "ECONNRESET");
    ck_assert_str_eq(c->dotnet, "ConnectionReset");
    ck_assert_ptr_nonnull(c->hint);
    table_hex(c->code, hex);
    table_hresult(c->code, hres);
    ck_assert_str_eq(hex, "0x2746");
    ck_assert_str_eq(hres, "0x80072746");
}
END_TEST

START_TEST(test_symbol_forms)
{
    ck_assert_int_eq(table_by_symbol(&t, "WSAECONNRESET", 13)->code, 10054);
    ck_assert_int_eq(table_by_symbol(&t, "wsaeconnreset", 13)->code, 10054);
    ck_assert_int_eq(table_by_symbol(&t, "econnreset", 10)->code, 10054);
    ck_assert_int_eq(table_by_symbol(&t, "ConnectionReset", 15)->code, 10054);
    ck_assert_int_eq(table_by_symbol(&t, "TimedOut", 8)->code, 10060);
    ck_assert_int_eq(table_by_symbol(&t, "WSA_IO_PENDING", 14)->code, 997);
    ck_assert_int_eq(table_by_symbol(&t, "io_pending", 10)->code, 997);
    ck_assert_int_eq(table_by_symbol(&t, "WSA_QOS_EUNKOWNPSOBJ", 20)->code, 11024);
    ck_assert_ptr_null(table_by_symbol(&t, "WSAENOTHING", 11));
}
END_TEST

START_TEST(test_hex_forms)
{
    ck_assert_int_eq(table_by_hex(&t, "0x2746", 6)->code, 10054);
    ck_assert_int_eq(table_by_hex(&t, "0x0000274D", 10)->code, 10061);
    ck_assert_int_eq(table_by_hex(&t, "0x80072746", 10)->code, 10054);
    ck_assert_int_eq(table_by_hex(&t, "8007274c", 8)->code, 10060);
    ck_assert_int_eq(table_by_hex(&t, "0x80072AF9", 10)->code, 11001);
    ck_assert_ptr_null(table_by_hex(&t, "0x80042746", 10)); /* not FACILITY_WIN32 */
    ck_assert_ptr_null(table_by_hex(&t, "0xZZ", 4));
}
END_TEST

START_TEST(test_message_forms)
{
    const char *whole = "An existing connection was forcibly closed by the remote host.";
    const char *cut = "An existing connection was forcibly closed by the remote ho";
    const char *upper = "NO SUCH HOST IS KNOWN";
    const char *spaced = "No  connection could be made because the target machine actively "
                         "refused it";

    ck_assert_int_eq(table_by_message(&t, whole, strlen(whole))->code, 10054);
    ck_assert_int_eq(table_by_message(&t, cut, strlen(cut))->code, 10054);
    ck_assert_int_eq(table_by_message(&t, upper, strlen(upper))->code, 11001);
    ck_assert_int_eq(table_by_message(&t, spaced, strlen(spaced))->code, 10061);
    ck_assert_ptr_null(table_by_message(&t, "An existing conn", 16)); /* too short a cut */
}
END_TEST

START_TEST(test_search_words)
{
    const struct wcode *out[8];
    size_t n = table_search(&t, "forcibly closed", out, 8);

    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(out[0]->code, 10054);
}
END_TEST

/* Value of a #define in winerror.h: N, __MSABI_LONG(N), (WSABASEERR + N) or
 * another name. Returns -1 if unknown. */
static long header_value(char **names, char **values, size_t n, const char *name, int depth)
{
    for (size_t i = 0; i < n && depth < 8; i++) {
        const char *v = values[i], *p;
        if (strcmp(names[i], name) != 0)
            continue;
        if ((p = strstr(v, "WSABASEERR")) != NULL && (p = strchr(p, '+')) != NULL)
            return 10000 + strtol(p + 1, NULL, 10);
        if ((p = strstr(v, "__MSABI_LONG(")) != NULL)
            return strtol(p + 13, NULL, 10);
        while (*v == '(')
            v++;
        if (isdigit((unsigned char)*v))
            return strtol(v, NULL, 10);
        if (isalpha((unsigned char)*v) || *v == '_') {
            char other[128];
            size_t k = 0;
            while ((isalnum((unsigned char)v[k]) || v[k] == '_') && k < sizeof(other) - 1)
                other[k] = v[k], k++;
            other[k] = '\0';
            return header_value(names, values, n, other, depth + 1);
        }
    }
    return -1;
}

static size_t read_defines(const char *path, char ***names, char ***values)
{
    FILE *f = fopen(path, "r");
    char line[512];
    size_t n = 0, cap = 4096;

    *names = xcalloc(cap, sizeof(char *));
    *values = xcalloc(cap, sizeof(char *));
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof(line), f) != NULL && n < cap) {
        char name[128], value[256];
        if (sscanf(line, " #define %127s %255[^\n]", name, value) == 2) {
            (*names)[n] = xstrdup(name);
            (*values)[n++] = xstrdup(value);
        }
    }
    fclose(f);
    return n;
}

START_TEST(test_against_winerror_h)
{
    char **names, **values;
    size_t n = read_defines(WINERROR_H, &names, &values), checked = 0;
    static const char *not_in_mingw[] = {"WSA_SECURE_HOST_NOT_FOUND",
                                         "WSA_IPSEC_NAME_POLICY_ERROR"};
    static const struct {
        const char *wsa, *win32;
    } win32_alias[] = {{"WSA_INVALID_HANDLE", "ERROR_INVALID_HANDLE"},
                       {"WSA_NOT_ENOUGH_MEMORY", "ERROR_NOT_ENOUGH_MEMORY"},
                       {"WSA_INVALID_PARAMETER", "ERROR_INVALID_PARAMETER"},
                       {"WSA_OPERATION_ABORTED", "ERROR_OPERATION_ABORTED"},
                       {"WSA_IO_INCOMPLETE", "ERROR_IO_INCOMPLETE"},
                       {"WSA_IO_PENDING", "ERROR_IO_PENDING"}};

    if (n == 0) {
        fprintf(stderr, "skipped: %s is not installed\n", WINERROR_H);
        return;
    }
    /* Every table entry: its symbol has its number in the header. */
    for (size_t i = 0; i < t.n; i++) {
        const struct wcode *c = &t.v[i];
        const char *sym = c->symbol;
        long v;
        int skip = 0;

        for (size_t k = 0; k < 2; k++)
            skip |= strcmp(sym, not_in_mingw[k]) == 0;
        if (skip)
            continue;
        for (size_t k = 0; k < 6; k++)
            if (strcmp(sym, win32_alias[k].wsa) == 0)
                sym = win32_alias[k].win32;
        v = header_value(names, values, n, sym, 0);
        ck_assert_msg(v == c->code, "%s is %ld in the table, %ld in winerror.h", c->symbol,
                      c->code, v);
        checked++;
    }
    /* Every WSA* code in the header is in the table, under that name or an alias. */
    for (size_t i = 0; i < n; i++) {
        long v;
        const struct wcode *c;
        if (strncmp(names[i], "WSA", 3) != 0 || strcmp(names[i], "WSABASEERR") == 0)
            continue;
        v = header_value(names, values, n, names[i], 0);
        if (v < 10000 || v > 11999)
            continue;
        c = table_by_code(&t, v);
        ck_assert_msg(c != NULL, "%s (%ld) from winerror.h is missing", names[i], v);
        ck_assert_msg(table_by_symbol(&t, names[i], strlen(names[i])) == c,
                      "%s (%ld) is not a symbol or alias of %s", names[i], v, c->symbol);
    }
    ck_assert_uint_ge(checked, 95);
    for (size_t i = 0; i < n; i++)
        xfree(names[i]), xfree(values[i]);
    xfree(names), xfree(values);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("table");
    TCase *tc = tcase_create("table");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_every_documented_range);
    tcase_add_test(tc, test_connreset_entry);
    tcase_add_test(tc, test_symbol_forms);
    tcase_add_test(tc, test_hex_forms);
    tcase_add_test(tc, test_message_forms);
    tcase_add_test(tc, test_search_words);
    tcase_add_test(tc, test_against_winerror_h);
    suite_add_tcase(s, tc);
    return tu_run(s);
}
