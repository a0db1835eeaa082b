/* Link check for the static MinGW-w64 dependency prefix built by build.sh:
 * touches PCRE2 (with JIT), libyaml, libuv, libcurl and Check, and is run
 * under Wine.  Exit status 0 when everything works. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <check.h>
#include <curl/curl.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>
#include <yaml.h>

static int failures;

#define EXPECT(cond)                                                         \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "smoke: %s:%d: %s failed\n", __FILE__, __LINE__, \
                    #cond);                                                  \
            failures++;                                                      \
        }                                                                    \
    } while (0)

static void smoke_pcre2(void)
{
    int err;
    PCRE2_SIZE off;
    uint32_t jit = 0;
    const char *subject = "recv failed: SocketException (10054)";
    pcre2_code *re = pcre2_compile((PCRE2_SPTR) "\\((100\\d\\d)\\)",
                                   PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
    EXPECT(re != NULL);
    if (re == NULL)
        return;
    pcre2_config(PCRE2_CONFIG_JIT, &jit);
    EXPECT(jit == 1);
    EXPECT(pcre2_jit_compile(re, PCRE2_JIT_COMPLETE) == 0);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = pcre2_jit_match(re, (PCRE2_SPTR) subject, strlen(subject), 0, 0,
                             md, NULL);
    EXPECT(rc == 2);
    if (rc == 2) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        EXPECT(ov[3] - ov[2] == 5 && memcmp(subject + ov[2], "10054", 5) == 0);
    }
    size_t jitsize = 0;
    pcre2_pattern_info(re, PCRE2_INFO_JITSIZE, &jitsize);
    printf("pcre2: JIT %s, jitsize %zu\n", jit ? "on" : "off", jitsize);
    EXPECT(jitsize > 0);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
}

static void smoke_yaml(void)
{
    yaml_parser_t p;
    yaml_event_t ev;
    const unsigned char doc[] = "rules:\n  - id: x\n";
    int n = 0;
    EXPECT(yaml_parser_initialize(&p) == 1);
    yaml_parser_set_input_string(&p, doc, sizeof doc - 1);
    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            failures++;
            break;
        }
        n++;
        int end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (end)
            break;
    }
    yaml_parser_delete(&p);
    printf("yaml: %s, %d events\n", yaml_get_version_string(), n);
    EXPECT(n == 13);
}

static int timer_fired;
static void on_timer(uv_timer_t *t)
{
    timer_fired++;
    uv_close((uv_handle_t *) t, NULL);
}

static void smoke_uv(void)
{
    uv_loop_t loop;
    uv_timer_t t;
    EXPECT(uv_loop_init(&loop) == 0);
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, on_timer, 10, 0);
    EXPECT(uv_run(&loop, UV_RUN_DEFAULT) == 0);
    EXPECT(uv_loop_close(&loop) == 0);
    printf("libuv: %s, timer fired %d\n", uv_version_string(), timer_fired);
    EXPECT(timer_fired == 1);
}

static void smoke_curl(void)
{
    EXPECT(curl_global_init(CURL_GLOBAL_ALL) == CURLE_OK);
    const char *v = curl_version();
    printf("curl: %s\n", v);
    EXPECT(strstr(v, "Schannel") != NULL);
    curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
    EXPECT(vi->features & CURL_VERSION_SSL);
    CURL *h = curl_easy_init();
    EXPECT(h != NULL);
    curl_easy_cleanup(h);
    curl_global_cleanup();
}

START_TEST(test_trivial)
{
    ck_assert_int_eq(2 + 2, 4);
    ck_assert_str_eq("WSAECONNRESET", "WSAECONNRESET");
}
END_TEST

static int smoke_check(void)
{
    Suite *s = suite_create("smoke");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_trivial);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}

int main(void)
{
    smoke_pcre2();
    smoke_yaml();
    smoke_uv();
    smoke_curl();
    EXPECT(smoke_check() == 0);
    printf("smoke: %s\n", failures ? "FAILED" : "ok");
    return failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
