/*
 * The Windows service: the control dispatcher and status reports around the
 * daemon (platform_run_service, platform_notify), and `service install` /
 * `service uninstall` (the SCM entry, its account, the state directory's ACL,
 * the Event Log source). It only asks the daemon to stop or reload; what the
 * daemon does is not its business, and the Event Log itself lives elsewhere.
 */
#include "platform/platform.h"

#include <uv.h> /* before windows.h: it brings winsock2.h */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <windows.h>
#include <aclapi.h>
#include <sddl.h>

#include "util/alloc.h"
#include "util/log.h"

#define SVC_NAME L"wsawatch"
#define SVC_DISPLAY L"wsawatch - Winsock error log watcher"
#define SVC_DESCRIPTION                                                                            \
    L"Follows application logs, finds Windows Sockets errors in them, explains them and "          \
    L"raises alerts. Configuration and state in %ProgramData%\\wsawatch."
#define SVC_ACCOUNT L"NT SERVICE\\wsawatch"        /* virtual account */
#define SVC_FALLBACK L"NT AUTHORITY\\LocalService" /* where virtual accounts do not resolve */
#define STOP_WAIT_MS 30000

static struct {
    int (*run)(void *ctx);
    void (*stop)(void);
    void (*reload)(void);
    void *ctx;
    int exit_code;
    volatile LONG active;         /* in ServiceMain: we are a service */
    SERVICE_STATUS_HANDLE handle; /* NULL in console mode */
    SERVICE_STATUS status;        /* under lock */
    CRITICAL_SECTION lock;
} svc;

/* ------------------------------------------------------------ running */

/* Reports state to the SCM. Accepts STOP/SHUTDOWN while starting or running
 * (the daemon keeps a stop asked before its loop runs), PARAMCHANGE only while
 * running; once stopping, never goes back to RUNNING. */
static void report(DWORD state)
{
    SERVICE_STATUS *s = &svc.status;

    EnterCriticalSection(&svc.lock);
    if (state == SERVICE_RUNNING && s->dwCurrentState != SERVICE_START_PENDING &&
        s->dwCurrentState != SERVICE_RUNNING)
        goto out;
    if (state == SERVICE_STOP_PENDING && s->dwCurrentState == SERVICE_STOP_PENDING)
        goto out;
    s->dwCurrentState = state;
    s->dwControlsAccepted =
        state == SERVICE_RUNNING
            ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE
        : state == SERVICE_START_PENDING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN
                                         : 0;
    s->dwWaitHint = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING ? 30000 : 0;
    s->dwCheckPoint = s->dwWaitHint ? s->dwCheckPoint + 1 : 0;
    SetServiceStatus(svc.handle, s);
out:
    LeaveCriticalSection(&svc.lock);
}

static DWORD WINAPI control_cb(DWORD control, DWORD type, void *data, void *ctx)
{
    (void)type, (void)data, (void)ctx;
    switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
        report(SERVICE_STOP_PENDING);
        svc.stop();
        return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE:
        svc.reload();
        return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
        EnterCriticalSection(&svc.lock);
        SetServiceStatus(svc.handle, &svc.status);
        LeaveCriticalSection(&svc.lock);
        return NO_ERROR;
    default:
        return ERROR_CALL_NOT_IMPLEMENTED;
    }
}

static void WINAPI service_main(DWORD argc, wchar_t **argv)
{
    (void)argc, (void)argv;
    svc.handle = RegisterServiceCtrlHandlerExW(SVC_NAME, control_cb, NULL);
    if (svc.handle == NULL) {
        svc.exit_code = 2;
        return;
    }
    InterlockedExchange(&svc.active, 1);
    svc.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
    report(SERVICE_START_PENDING);
    svc.exit_code = svc.run(svc.ctx);
    /* STOPPED is reported however the daemon ended. */
    EnterCriticalSection(&svc.lock);
    svc.status.dwCurrentState = SERVICE_STOPPED;
    svc.status.dwControlsAccepted = 0;
    svc.status.dwWaitHint = svc.status.dwCheckPoint = 0;
    svc.status.dwWin32ExitCode = svc.exit_code ? ERROR_SERVICE_SPECIFIC_ERROR : NO_ERROR;
    svc.status.dwServiceSpecificExitCode = (DWORD)svc.exit_code;
    SetServiceStatus(svc.handle, &svc.status);
    LeaveCriticalSection(&svc.lock);
}

int platform_run_service(int (*run)(void *ctx), void (*stop)(void), void (*reload)(void), void *ctx)
{
    SERVICE_TABLE_ENTRYW table[] = {{(wchar_t *)SVC_NAME, service_main}, {NULL, NULL}};
    DWORD e;

    svc.run = run, svc.stop = stop, svc.reload = reload, svc.ctx = ctx;
    InitializeCriticalSection(&svc.lock);
    if (StartServiceCtrlDispatcherW(table))
        return svc.exit_code;
    if ((e = GetLastError()) == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
        return run(ctx); /* started from a console */
    fprintf(stderr, "wsawatch: service dispatcher: error %lu\n", (unsigned long)e);
    return 2;
}

int platform_is_service(void)
{
    return InterlockedCompareExchange(&svc.active, 0, 0) != 0;
}

void platform_notify(const char *state)
{
    if (!platform_is_service())
        return;
    if (strcmp(state, "READY=1") == 0)
        report(SERVICE_RUNNING);
    else if (strcmp(state, "STOPPING=1") == 0)
        report(SERVICE_STOP_PENDING);
}

/* ------------------------------------------------------------ helpers */

/* UTF-8 <-> UTF-16, owned results. */
static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = xmalloc(sizeof(wchar_t) * (size_t)(n > 0 ? n : 1));

    w[0] = 0;
    MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

static char *narrow(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = xmalloc((size_t)(n > 0 ? n : 1));

    s[0] = 0;
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

/* Windows' text for code, in UTF-8, without the final period (owned). */
static char *win_text(DWORD code)
{
    wchar_t *text = NULL;
    char *u;
    size_t n;

    FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                       FORMAT_MESSAGE_IGNORE_INSERTS,
                   NULL, code, 0, (wchar_t *)&text, 0, NULL);
    u = narrow(text != NULL ? text : L"unknown error");
    if (text != NULL)
        LocalFree(text);
    n = strlen(u);
    while (n > 0 && (u[n - 1] == '\r' || u[n - 1] == '\n' || u[n - 1] == '.' || u[n - 1] == ' '))
        u[--n] = '\0';
    return u;
}

/* Sets err to "STEP: <Windows' text for code> (code)" and returns WW_EIO. */
static int win_err(struct ww_err *err, DWORD code, const char *step)
{
    char *u = win_text(code);

    ww_err_set(err, WW_EIO, "%s: %s (%lu)", step, u, (unsigned long)code);
    xfree(u);
    return WW_EIO;
}

/* "C:\ProgramData\wsawatch" (owned, UTF-16). */
static wchar_t *state_dir(void)
{
    char *s = platform_default_state_dir();
    wchar_t *w;

    if (s == NULL)
        alloc_oom(0);
    w = wide(s);

    xfree(s);
    return w;
}

/* The absolute path of config (or of the default one); it must exist. */
static int config_abs(const char *config, wchar_t **out, struct ww_err *err)
{
    wchar_t *rel, *abs;
    DWORD n;
    int rc = 0;

    if (config != NULL) {
        rel = wide(config);
    } else {
        wchar_t *dir = state_dir();
        size_t len = wcslen(dir) + sizeof("\\wsawatch.yaml");
        rel = xmalloc(len * sizeof(wchar_t));
        wcscpy(rel, dir);
        wcscat(rel, L"\\wsawatch.yaml");
        xfree(dir);
    }
    n = GetFullPathNameW(rel, 0, NULL, NULL);
    abs = xmalloc(sizeof(wchar_t) * (n + 1));
    if (n == 0 || GetFullPathNameW(rel, n + 1, abs, NULL) == 0) {
        rc = win_err(err, GetLastError(), "config path");
    } else if (GetFileAttributesW(abs) == INVALID_FILE_ATTRIBUTES) {
        char *u = narrow(abs), *why = win_text(GetLastError());
        rc = ww_err_set(err, WW_ENOTFOUND,
                        "config %s: %s (write one, config/wsawatch-windows.yaml is the "
                        "example, or pass --config)",
                        u, why);
        xfree(u), xfree(why);
    }
    xfree(rel);
    if (rc != 0)
        xfree(abs), abs = NULL;
    *out = abs;
    return rc;
}

/* ------------------------------------------------------------ install */

/* The SID of the service's account (LocalFree it): the virtual account where
 * it resolves (Windows), else LocalService after switching the service to
 * it (Wine). */
static int account_sid(SC_HANDLE s, PSID *sid, struct ww_err *err)
{
    BYTE buf[SECURITY_MAX_SID_SIZE];
    wchar_t dom[256];
    DWORD n = sizeof(buf), dn = 256, size = SECURITY_MAX_SID_SIZE;
    SID_NAME_USE use;

    *sid = NULL;
    if (LookupAccountNameW(NULL, SVC_ACCOUNT, buf, &n, dom, &dn, &use)) {
        *sid = LocalAlloc(LMEM_FIXED, n);
        if (*sid == NULL || !CopySid(n, *sid, buf))
            return win_err(err, GetLastError(), "copy the account's SID");
        return 0;
    }
    log_warnx("service account NT SERVICE\\wsawatch does not resolve (error %lu): running "
              "it as NT AUTHORITY\\LocalService instead",
              (unsigned long)GetLastError());
    if (!ChangeServiceConfigW(s, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE, SERVICE_NO_CHANGE, NULL,
                              NULL, NULL, NULL, SVC_FALLBACK, L"", NULL))
        return win_err(err, GetLastError(), "ChangeServiceConfig (LocalService account)");
    *sid = LocalAlloc(LMEM_FIXED, size);
    if (*sid == NULL || !CreateWellKnownSid(WinLocalServiceSid, NULL, *sid, &size))
        return win_err(err, GetLastError(), "the LocalService SID");
    return 0;
}

/* Delayed automatic start, description, restart on failure (10 s, 30 s,
 * 60 s; the count resets after a day), and the service SID. */
static int configure(SC_HANDLE s, struct ww_err *err)
{
    SERVICE_DESCRIPTIONW desc = {(wchar_t *)SVC_DESCRIPTION};
    SERVICE_DELAYED_AUTO_START_INFO delayed = {TRUE};
    SC_ACTION acts[] = {
        {SC_ACTION_RESTART, 10000}, {SC_ACTION_RESTART, 30000}, {SC_ACTION_RESTART, 60000}};
    SERVICE_FAILURE_ACTIONSW fa = {86400, NULL, NULL, 3, acts};
    SERVICE_FAILURE_ACTIONS_FLAG faf = {TRUE}; /* also when it exits with an error */
    SERVICE_SID_INFO sid = {SERVICE_SID_TYPE_UNRESTRICTED};

    if (!ChangeServiceConfig2W(s, SERVICE_CONFIG_DESCRIPTION, &desc))
        return win_err(err, GetLastError(), "ChangeServiceConfig2 (description)");
    /* Wine's SCM knows no delayed auto-start (ERROR_INVALID_LEVEL): it then
     * starts with the other automatic services. */
    if (!ChangeServiceConfig2W(s, SERVICE_CONFIG_DELAYED_AUTO_START_INFO, &delayed)) {
        if (GetLastError() != ERROR_INVALID_LEVEL)
            return win_err(err, GetLastError(), "ChangeServiceConfig2 (delayed auto-start)");
        log_warnx("service: this service manager has no delayed automatic start: "
                  "plain automatic start");
    }
    if (!ChangeServiceConfig2W(s, SERVICE_CONFIG_FAILURE_ACTIONS, &fa))
        return win_err(err, GetLastError(), "ChangeServiceConfig2 (failure actions)");
    if (!ChangeServiceConfig2W(s, SERVICE_CONFIG_FAILURE_ACTIONS_FLAG, &faf))
        log_warnx("service: failure actions on error exits not set (error %lu)",
                  (unsigned long)GetLastError());
    if (!ChangeServiceConfig2W(s, SERVICE_CONFIG_SERVICE_SID_INFO, &sid))
        log_warnx("service: service SID type not set (error %lu)", (unsigned long)GetLastError());
    return 0;
}

/* Creates the service, or updates it when it exists. *created says which. */
static int create_or_update(SC_HANDLE scm, const wchar_t *cmd, SC_HANDLE *out, int *created,
                            struct ww_err *err)
{
    SC_HANDLE s;

    *created = 0;
    s = CreateServiceW(scm, SVC_NAME, SVC_DISPLAY, SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                       SERVICE_AUTO_START, SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL, SVC_ACCOUNT,
                       NULL);
    if (s != NULL) {
        *created = 1;
    } else if (GetLastError() == ERROR_SERVICE_EXISTS) {
        s = OpenServiceW(scm, SVC_NAME, SERVICE_ALL_ACCESS);
        if (s == NULL)
            return win_err(err, GetLastError(), "OpenService");
        if (!ChangeServiceConfigW(s, SERVICE_WIN32_OWN_PROCESS, SERVICE_AUTO_START,
                                  SERVICE_ERROR_NORMAL, cmd, NULL, NULL, NULL, SVC_ACCOUNT, L"",
                                  SVC_DISPLAY)) {
            CloseServiceHandle(s);
            return win_err(err, GetLastError(), "ChangeServiceConfig");
        }
    } else {
        return win_err(err, GetLastError(), "CreateService");
    }
    *out = s;
    return 0;
}

/* Gives sid modify rights on dir, inherited by what it holds. Wine may not
 * keep ACLs: a failure is logged, not fatal. */
static void grant_modify(const wchar_t *dir, PSID sid)
{
    EXPLICIT_ACCESSW ea;
    PACL old = NULL, acl = NULL;
    PSECURITY_DESCRIPTOR sd = NULL;
    DWORD e;

    memset(&ea, 0, sizeof(ea));
    ea.grfAccessPermissions =
        FILE_GENERIC_READ | FILE_GENERIC_WRITE | FILE_GENERIC_EXECUTE | DELETE;
    ea.grfAccessMode = GRANT_ACCESS;
    ea.grfInheritance = SUB_CONTAINERS_AND_OBJECTS_INHERIT;
    ea.Trustee.TrusteeForm = TRUSTEE_IS_SID;
    ea.Trustee.TrusteeType = TRUSTEE_IS_USER;
    ea.Trustee.ptstrName = (wchar_t *)sid;
    e = GetNamedSecurityInfoW(dir, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL, NULL, &old,
                              NULL, &sd);
    if (e == ERROR_SUCCESS)
        e = SetEntriesInAclW(1, &ea, old, &acl);
    if (e == ERROR_SUCCESS)
        e = SetNamedSecurityInfoW((wchar_t *)dir, SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                                  NULL, acl, NULL);
    if (e != ERROR_SUCCESS) {
        char *u = narrow(dir);
        log_warnx("state directory %s: could not grant the service account modify rights "
                  "(error %lu); grant them by hand if the service cannot write there",
                  u, (unsigned long)e);
        xfree(u);
    }
    if (acl != NULL)
        LocalFree(acl);
    if (sd != NULL)
        LocalFree(sd);
}

static int install(SC_HANDLE scm, const wchar_t *cmd, const wchar_t *dir, struct ww_err *err)
{
    SC_HANDLE s = NULL;
    PSID sid = NULL;
    int created, rc;

    if ((rc = create_or_update(scm, cmd, &s, &created, err)) != 0)
        return rc;
    if ((rc = account_sid(s, &sid, err)) != 0 || (rc = configure(s, err)) != 0)
        goto out;
    grant_modify(dir, sid);
    rc = platform_eventlog_register("wsawatch", err);
out:
    if (rc != 0 && created)
        DeleteService(s); /* nothing half-done */
    if (sid != NULL)
        LocalFree(sid);
    CloseServiceHandle(s);
    return rc;
}

int platform_service_install(const char *config_path, struct ww_err *err)
{
    wchar_t exe[32768], *dir = state_dir(), *cfg = NULL, *cmd = NULL;
    SC_HANDLE scm = NULL;
    size_t len;
    int rc;

    if (!CreateDirectoryW(dir, NULL) && GetLastError() != ERROR_ALREADY_EXISTS) {
        rc = win_err(err, GetLastError(), "create the state directory");
        goto out;
    }
    if ((rc = config_abs(config_path, &cfg, err)) != 0)
        goto out;
    if (GetModuleFileNameW(NULL, exe, 32768) == 0) {
        rc = win_err(err, GetLastError(), "GetModuleFileName");
        goto out;
    }
    len = wcslen(exe) + wcslen(cfg) + 32;
    cmd = xmalloc(len * sizeof(wchar_t));
    wcscpy(cmd, L"\"");
    wcscat(cmd, exe);
    wcscat(cmd, L"\" run --config \"");
    wcscat(cmd, cfg);
    wcscat(cmd, L"\"");
    if ((scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE)) ==
        NULL) {
        rc = win_err(err, GetLastError(), "OpenSCManager (run as administrator)");
        goto out;
    }
    if ((rc = install(scm, cmd, dir, err)) == 0) {
        char *u = narrow(cmd);
        log_info("service wsawatch installed: %s", u);
        xfree(u);
    }
out:
    if (scm != NULL)
        CloseServiceHandle(scm);
    xfree(cmd), xfree(cfg), xfree(dir);
    return rc;
}

/* ------------------------------------------------------------ uninstall */

/* Asks s to stop and waits up to STOP_WAIT_MS for it. */
static int stop_and_wait(SC_HANDLE s, struct ww_err *err)
{
    SERVICE_STATUS st;
    ULONGLONG deadline = GetTickCount64() + STOP_WAIT_MS;

    if (!QueryServiceStatus(s, &st))
        return win_err(err, GetLastError(), "QueryServiceStatus");
    if (st.dwCurrentState == SERVICE_STOPPED)
        return 0;
    if (!ControlService(s, SERVICE_CONTROL_STOP, &st) &&
        GetLastError() != ERROR_SERVICE_NOT_ACTIVE &&
        GetLastError() != ERROR_SERVICE_CANNOT_ACCEPT_CTRL)
        return win_err(err, GetLastError(), "ControlService (stop)");
    while (QueryServiceStatus(s, &st) && st.dwCurrentState != SERVICE_STOPPED) {
        if (GetTickCount64() > deadline)
            return ww_err_set(err, WW_EIO, "stop: the service did not stop within %d s",
                              STOP_WAIT_MS / 1000);
        Sleep(200);
    }
    return 0;
}

int platform_service_uninstall(struct ww_err *err)
{
    SC_HANDLE scm, s = NULL;
    int rc = 0;

    if ((scm = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT)) == NULL)
        return win_err(err, GetLastError(), "OpenSCManager (run as administrator)");
    s = OpenServiceW(scm, SVC_NAME, SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE);
    if (s == NULL && GetLastError() != ERROR_SERVICE_DOES_NOT_EXIST) {
        rc = win_err(err, GetLastError(), "OpenService");
        goto out;
    }
    if (s == NULL) {
        log_info("service wsawatch is not installed");
    } else {
        if ((rc = stop_and_wait(s, err)) != 0)
            goto out;
        if (!DeleteService(s) && GetLastError() != ERROR_SERVICE_MARKED_FOR_DELETE) {
            rc = win_err(err, GetLastError(), "DeleteService");
            goto out;
        }
        log_info("service wsawatch removed (configuration and state are kept)");
    }
    rc = platform_eventlog_unregister("wsawatch", err);
out:
    if (s != NULL)
        CloseServiceHandle(s);
    CloseServiceHandle(scm);
    return rc;
}
