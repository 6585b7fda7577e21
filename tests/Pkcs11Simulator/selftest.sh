#!/usr/bin/env bash
# Self-test of the p11sim PKCS#11 module.
#
# Builds libp11sim.so, creates SoftHSM tokens in a temporary directory (own
# SOFTHSM2_CONF) and checks the simulated behaviour with pkcs11-tool.  What
# pkcs11-tool cannot reach (session handles across a re-plug, C_SetPIN with a
# wrong old PIN, C_SignFinal, C_CopyObject, threads, C_Initialize after
# C_Finalize, ...) is checked by a small C driver compiled from this script.
#
# Exit status: 0 if every check passed, 1 on the first mismatch.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
softhsm_module="${SOFTHSM_MODULE:-/usr/lib/softhsm/libsofthsm2.so}"

for tool in gcc pkcs11-tool softhsm2-util; do
    command -v "$tool" >/dev/null 2>&1 || { echo "selftest: $tool is not installed" >&2; exit 1; }
done
[ -f "$softhsm_module" ] || { echo "selftest: $softhsm_module not found" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/p11sim-selftest.XXXXXX")"
background_pids=()
cleanup() {
    local pid
    for pid in "${background_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

"$here/build.sh" "$work/bin" >/dev/null
sim="$work/bin/libp11sim.so"

checks=0
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { checks=$((checks + 1)); echo "  ok  $*"; }
section() { echo "== $*"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# expect_eq <what> <actual> <expected>
expect_eq() {
    [ "$2" == "$3" ] || fail "$1: got '$2', expected '$3'"
    pass "$1"
}
# expect_match <what> <text> <extended regex>
expect_match() {
    grep -Eq -- "$3" <<<"$2" || fail "$1: output does not match /$3/:"$'\n'"$2"
    pass "$1"
}
expect_no_match() {
    if grep -Eq -- "$3" <<<"$2"; then fail "$1: output unexpectedly matches /$3/:"$'\n'"$2"; fi
    pass "$1"
}

# ---------------------------------------------------------------------------
# The C driver for what pkcs11-tool cannot do
# ---------------------------------------------------------------------------
cat >"$work/p11drv.c" <<'EOF'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR p;
static const char *state_dir, *serial;

static const char *rv_name(CK_RV rv)
{
    static char other[32];
    switch (rv) {
    case CKR_OK: return "CKR_OK";
    case CKR_GENERAL_ERROR: return "CKR_GENERAL_ERROR";
    case CKR_ARGUMENTS_BAD: return "CKR_ARGUMENTS_BAD";
    case CKR_DEVICE_MEMORY: return "CKR_DEVICE_MEMORY";
    case CKR_DEVICE_REMOVED: return "CKR_DEVICE_REMOVED";
    case CKR_FUNCTION_NOT_SUPPORTED: return "CKR_FUNCTION_NOT_SUPPORTED";
    case CKR_PIN_INCORRECT: return "CKR_PIN_INCORRECT";
    case CKR_PIN_LOCKED: return "CKR_PIN_LOCKED";
    case CKR_SESSION_HANDLE_INVALID: return "CKR_SESSION_HANDLE_INVALID";
    case CKR_TOKEN_NOT_PRESENT: return "CKR_TOKEN_NOT_PRESENT";
    case CKR_USER_ALREADY_LOGGED_IN: return "CKR_USER_ALREADY_LOGGED_IN";
    case CKR_CRYPTOKI_NOT_INITIALIZED: return "CKR_CRYPTOKI_NOT_INITIALIZED";
    case CKR_CRYPTOKI_ALREADY_INITIALIZED: return "CKR_CRYPTOKI_ALREADY_INITIALIZED";
    case CKR_BUFFER_TOO_SMALL: return "CKR_BUFFER_TOO_SMALL";
    default: snprintf(other, sizeof other, "0x%lx", rv); return other;
    }
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

#define EXPECT(call, want) expect_rv(#call, (call), (want))
static void expect_rv(const char *what, CK_RV got, CK_RV want)
{
    if (got != want)
        die("%s returned %s, expected %s", what, rv_name(got), rv_name(want));
    printf("  ok  %s -> %s\n", what, rv_name(want));
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void control_file(const char *area, const char *content)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", state_dir, area, serial);
    if (content == NULL) {
        unlink(path);
        return;
    }
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(content, f) < 0 || fclose(f) != 0)
        die("cannot write %s", path);
}

/* Unplugs the device after a delay, from another thread. */
static void *unplug_later(void *arg)
{
    usleep((useconds_t)(long)arg * 1000);
    control_file("unplugged", "");
    return NULL;
}

static pthread_t unplug_after_ms(long ms)
{
    pthread_t t;
    pthread_create(&t, NULL, unplug_later, (void *)ms);
    return t;
}

static void print_field(const char *name, const CK_UTF8CHAR *field, size_t size)
{
    printf("%s=[", name);
    for (size_t i = 0; i < size; i++)
        putchar(field[i] == '\0' ? '~' : field[i]);   /* NULs would be a bug */
    printf("]\n");
}

static CK_SESSION_HANDLE open_session(CK_SLOT_ID slot)
{
    CK_SESSION_HANDLE s;
    CK_RV rv = p->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
    if (rv != CKR_OK)
        die("C_OpenSession(%lu) returned %s", slot, rv_name(rv));
    return s;
}

static void login(CK_SESSION_HANDLE s, CK_USER_TYPE user, const char *pin)
{
    CK_RV rv = p->C_Login(s, user, (CK_UTF8CHAR_PTR)pin, strlen(pin));
    if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
        die("C_Login(%lu) returned %s", user, rv_name(rv));
}

static CK_ULONG count_objects(CK_SESSION_HANDLE s, const char *label)
{
    CK_ATTRIBUTE t = { CKA_LABEL, (void *)label, strlen(label) };
    CK_OBJECT_HANDLE found[16];
    CK_ULONG n = 0, total = 0;
    if (p->C_FindObjectsInit(s, &t, 1) != CKR_OK)
        die("C_FindObjectsInit failed");
    while (p->C_FindObjects(s, found, 16, &n) == CKR_OK && n > 0)
        total += n;
    p->C_FindObjectsFinal(s);
    return total;
}

static void session_rsa_keypair(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
    CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
    CK_ULONG bits = 2048;
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE pub_t[] = { { CKA_TOKEN, &no, 1 }, { CKA_MODULUS_BITS, &bits, sizeof bits },
                             { CKA_VERIFY, &yes, 1 } };
    CK_ATTRIBUTE priv_t[] = { { CKA_TOKEN, &no, 1 }, { CKA_SIGN, &yes, 1 } };
    CK_RV rv = p->C_GenerateKeyPair(s, &mech, pub_t, 3, priv_t, 2, pub, priv);
    if (rv != CKR_OK)
        die("session key pair generation returned %s", rv_name(rv));
}

static void load(const char *module)
{
    void *h = dlopen(module, RTLD_NOW);
    if (h == NULL)
        die("dlopen %s: %s", module, dlerror());
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
    if (get == NULL || get(&p) != CKR_OK)
        die("C_GetFunctionList failed");
}

/* ---- commands ---------------------------------------------------------- */

static const struct { CK_FLAGS bit; const char *name; } pin_flags[] = {
    { CKF_USER_PIN_COUNT_LOW, "user_count_low" }, { CKF_USER_PIN_FINAL_TRY, "user_final_try" },
    { CKF_USER_PIN_LOCKED, "user_locked" }, { CKF_USER_PIN_TO_BE_CHANGED, "user_to_be_changed" },
    { CKF_SO_PIN_COUNT_LOW, "so_count_low" }, { CKF_SO_PIN_FINAL_TRY, "so_final_try" },
    { CKF_SO_PIN_LOCKED, "so_locked" }, { CKF_SO_PIN_TO_BE_CHANGED, "so_to_be_changed" },
};

/* tokeninfo SLOT [PIN [so]]: with a PIN, asks while a session is logged in. */
static int cmd_tokeninfo(CK_SLOT_ID slot, const char *pin, CK_USER_TYPE user)
{
    CK_TOKEN_INFO ti;
    const char *sep = "";
    CK_RV rv;

    EXPECT(p->C_Initialize(NULL), CKR_OK);
    if (pin != NULL)
        login(open_session(slot), user, pin);
    rv = p->C_GetTokenInfo(slot, &ti);
    printf("rv=%s\n", rv_name(rv));
    if (rv == CKR_OK) {
        print_field("serial", ti.serialNumber, 16);
        print_field("manufacturer", ti.manufacturerID, 32);
        print_field("model", ti.model, 16);
        printf("pinflags=");
        for (size_t i = 0; i < sizeof pin_flags / sizeof pin_flags[0]; i++)
            if (ti.flags & pin_flags[i].bit) {
                printf("%s%s", sep, pin_flags[i].name);
                sep = ",";
            }
        printf("\nmemory=%lu/%lu %lu/%lu\n", ti.ulFreePublicMemory, ti.ulTotalPublicMemory,
               ti.ulFreePrivateMemory, ti.ulTotalPrivateMemory);
    }
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    return 0;
}

static int cmd_slotinfo(CK_SLOT_ID slot)
{
    CK_SLOT_INFO si;

    EXPECT(p->C_Initialize(NULL), CKR_OK);
    EXPECT(p->C_GetSlotInfo(slot, &si), CKR_OK);
    print_field("description", si.slotDescription, 64);
    print_field("manufacturer", si.manufacturerID, 32);
    printf("present=%d\n", (si.flags & CKF_TOKEN_PRESENT) ? 1 : 0);
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    return 0;
}

static int cmd_setpin(CK_SLOT_ID slot, const char *who, const char *login_pin,
                      const char *old_pin, const char *new_pin)
{
    CK_SESSION_HANDLE s;
    CK_RV rv;

    EXPECT(p->C_Initialize(NULL), CKR_OK);
    s = open_session(slot);
    if (strcmp(who, "public") != 0)
        login(s, strcmp(who, "so") == 0 ? CKU_SO : CKU_USER, login_pin);
    rv = p->C_SetPIN(s, (CK_UTF8CHAR_PTR)old_pin, strlen(old_pin), (CK_UTF8CHAR_PTR)new_pin, strlen(new_pin));
    printf("rv=%s\n", rv_name(rv));
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    return 0;
}

static int cmd_copy(CK_SLOT_ID slot, const char *pin)
{
    CK_BBOOL no = CK_FALSE;
    CK_ATTRIBUTE t = { CKA_TOKEN, &no, sizeof no };
    CK_OBJECT_HANDLE obj, copy;
    CK_ULONG n = 0;
    CK_SESSION_HANDLE s;

    EXPECT(p->C_Initialize(NULL), CKR_OK);
    s = open_session(slot);
    login(s, CKU_USER, pin);
    if (p->C_FindObjectsInit(s, NULL, 0) != CKR_OK || p->C_FindObjects(s, &obj, 1, &n) != CKR_OK || n != 1)
        die("no object to copy");
    p->C_FindObjectsFinal(s);
    printf("rv=%s\n", rv_name(p->C_CopyObject(s, obj, &t, 1, &copy)));
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    return 0;
}

/*
 * Sessions the real module (already loaded by the simulator in this process)
 * has open, found by probing its small handle numbers directly.
 */
static int real_open_sessions(void)
{
    const char *path = getenv("SIM_REAL_MODULE");
    void *h = path ? dlopen(path, RTLD_NOW | RTLD_NOLOAD) : NULL;
    CK_FUNCTION_LIST_PTR real;
    CK_SESSION_INFO info;
    int open = 0;

    if (h == NULL)
        die("real module is not loaded in this process");
    CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(h, "C_GetFunctionList");
    if (get == NULL || get(&real) != CKR_OK)
        die("real C_GetFunctionList failed");
    for (CK_SESSION_HANDLE s = 1; s <= 64; s++)
        open += real->C_GetSessionInfo(s, &info) == CKR_OK;
    dlclose(h);
    return open;
}

/* Presence and session semantics across an unplug / re-plug. */
static int cmd_replug(CK_SLOT_ID slot)
{
    CK_SESSION_HANDLE old, fresh;
    CK_SESSION_INFO info;
    CK_SLOT_INFO si;
    CK_TOKEN_INFO ti;
    CK_SLOT_ID slots[64];
    CK_ULONG n, i, mechs = 0;
    int listed;

    EXPECT(p->C_Initialize(NULL), CKR_OK);
    old = open_session(slot);
    EXPECT(p->C_GetSessionInfo(old, &info), CKR_OK);
    if (real_open_sessions() != 1) die("expected 1 open session in the real module");

    control_file("unplugged", "");
    n = 64;
    EXPECT(p->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    for (listed = 0, i = 0; i < n; i++) listed |= slots[i] == slot;
    if (listed) die("unplugged slot is in C_GetSlotList(CK_TRUE)");
    printf("  ok  unplugged slot left out of C_GetSlotList(CK_TRUE)\n");
    n = 64;
    EXPECT(p->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
    for (listed = 0, i = 0; i < n; i++) listed |= slots[i] == slot;
    if (!listed) die("unplugged slot is missing from C_GetSlotList(CK_FALSE)");
    printf("  ok  unplugged slot still in C_GetSlotList(CK_FALSE)\n");
    n = 0;
    EXPECT(p->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK);
    EXPECT(p->C_GetSlotInfo(slot, &si), CKR_OK);
    if (si.flags & CKF_TOKEN_PRESENT) die("CKF_TOKEN_PRESENT still set");
    printf("  ok  CKF_TOKEN_PRESENT cleared\n");
    EXPECT(p->C_GetTokenInfo(slot, &ti), CKR_TOKEN_NOT_PRESENT);
    EXPECT(p->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &fresh), CKR_TOKEN_NOT_PRESENT);
    EXPECT(p->C_GetMechanismList(slot, NULL, &mechs), CKR_TOKEN_NOT_PRESENT);
    {
        CK_MECHANISM_INFO mi;
        EXPECT(p->C_GetMechanismInfo(slot, CKM_SHA256, &mi), CKR_TOKEN_NOT_PRESENT);
    }
    {
        CK_UTF8CHAR label[32];
        memset(label, ' ', sizeof label);
        EXPECT(p->C_InitToken(slot, (CK_UTF8CHAR_PTR)"87654321", 8, label), CKR_TOKEN_NOT_PRESENT);
    }
    EXPECT(p->C_GetSessionInfo(old, &info), CKR_DEVICE_REMOVED);
    if (real_open_sessions() != 0) die("session is still open in the real module");
    printf("  ok  the session was closed in the real module\n");
    EXPECT(p->C_GetSessionInfo(old, &info), CKR_SESSION_HANDLE_INVALID);

    control_file("unplugged", NULL);
    EXPECT(p->C_GetTokenInfo(slot, &ti), CKR_OK);
    fresh = open_session(slot);
    EXPECT(p->C_GetSessionInfo(old, &info), CKR_SESSION_HANDLE_INVALID);
    EXPECT(p->C_CloseSession(old), CKR_SESSION_HANDLE_INVALID);
    EXPECT(p->C_GetSessionInfo(fresh, &info), CKR_OK);
    if (fresh == old) die("a new session reuses the old handle");
    EXPECT(p->C_CloseSession(fresh), CKR_OK);
    EXPECT(p->C_GetSessionInfo(fresh, &info), CKR_SESSION_HANDLE_INVALID);
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    return 0;
}

/* Slow device: C_Sign waits, removal interrupts C_SignFinal / keygen. */
static int cmd_slow(CK_SLOT_ID slot, const char *pin)
{
    CK_MECHANISM sign_mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
    CK_BYTE data[32] = { 1, 2, 3 }, sig[512];
    CK_ULONG sig_len;
    CK_OBJECT_HANDLE pub, priv;
    CK_SESSION_HANDLE s;
    CK_SESSION_INFO info;
    long start, took;
    pthread_t t;

    EXPECT(p->C_Initialize(NULL), CKR_OK);
    s = open_session(slot);
    login(s, CKU_USER, pin);
    session_rsa_keypair(s, &pub, &priv);

    /* C_Sign: the length query is immediate, the signature takes the delay. */
    control_file("delay_ms", "400\n");
    EXPECT(p->C_SignInit(s, &sign_mech, priv), CKR_OK);
    start = now_ms();
    EXPECT(p->C_Sign(s, data, sizeof data, NULL, &sig_len), CKR_OK);
    if (now_ms() - start > 200) die("C_Sign length query was delayed");
    sig_len = sizeof sig;
    EXPECT(p->C_Sign(s, data, sizeof data, sig, &sig_len), CKR_OK);
    took = now_ms() - start;
    if (took < 400) die("C_Sign took %ld ms, expected >= 400", took);
    printf("  ok  C_Sign waited %ld ms\n", took);

    /* C_SignFinal: unplugged 300 ms into a 5 s delay. */
    control_file("delay_ms", "5000\n");
    EXPECT(p->C_SignInit(s, &sign_mech, priv), CKR_OK);
    EXPECT(p->C_SignUpdate(s, data, sizeof data), CKR_OK);
    start = now_ms();
    t = unplug_after_ms(300);
    sig_len = sizeof sig;
    EXPECT(p->C_SignFinal(s, sig, &sig_len), CKR_DEVICE_REMOVED);
    took = now_ms() - start;
    pthread_join(t, NULL);
    if (took > 1500) die("C_SignFinal took %ld ms after removal", took);
    printf("  ok  C_SignFinal noticed removal after %ld ms\n", took);
    EXPECT(p->C_GetSessionInfo(s, &info), CKR_SESSION_HANDLE_INVALID);
    control_file("unplugged", NULL);

    /* C_GenerateKey: unplugged during the wait, nothing is generated. */
    {
        CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
        CK_ULONG len = 16;
        CK_BBOOL yes = CK_TRUE;
        const char *label = "p11sim-aes-removed";
        CK_ATTRIBUTE tmpl[] = { { CKA_TOKEN, &yes, 1 }, { CKA_VALUE_LEN, &len, sizeof len },
                                { CKA_LABEL, (void *)label, strlen(label) } };
        CK_OBJECT_HANDLE key;

        control_file("delay_ms", NULL);
        s = open_session(slot);
        login(s, CKU_USER, pin);
        control_file("delay_ms", "5000\n");
        start = now_ms();
        t = unplug_after_ms(300);
        EXPECT(p->C_GenerateKey(s, &mech, tmpl, 3, &key), CKR_DEVICE_REMOVED);
        took = now_ms() - start;
        pthread_join(t, NULL);
        if (took > 1500) die("C_GenerateKey took %ld ms after removal", took);
        control_file("unplugged", NULL);
        control_file("delay_ms", NULL);
        s = open_session(slot);
        login(s, CKU_USER, pin);
        if (count_objects(s, label) != 0) die("C_GenerateKey created a key although interrupted");
        printf("  ok  interrupted C_GenerateKey created no key\n");
    }

    /* C_GenerateKeyPair: unplugged while the real module generates -> destroyed. */
    {
        CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
        CK_ULONG bits = 4096;
        CK_BBOOL yes = CK_TRUE;
        const char *label = "p11sim-rsa-removed";
        CK_ATTRIBUTE pub_t[] = { { CKA_TOKEN, &yes, 1 }, { CKA_MODULUS_BITS, &bits, sizeof bits },
                                 { CKA_LABEL, (void *)label, strlen(label) } };
        CK_ATTRIBUTE priv_t[] = { { CKA_TOKEN, &yes, 1 }, { CKA_PRIVATE, &yes, 1 },
                                  { CKA_LABEL, (void *)label, strlen(label) } };

        start = now_ms();
        t = unplug_after_ms(5);
        EXPECT(p->C_GenerateKeyPair(s, &mech, pub_t, 3, priv_t, 3, &pub, &priv), CKR_DEVICE_REMOVED);
        took = now_ms() - start;
        pthread_join(t, NULL);
        if (took < 20) die("RSA-4096 generation took only %ld ms; removal was not mid-operation", took);
        control_file("unplugged", NULL);
        s = open_session(slot);
        login(s, CKU_USER, pin);
        if (count_objects(s, label) != 0) die("key pair of an interrupted C_GenerateKeyPair survived");
        printf("  ok  key pair generated during removal (%ld ms) was destroyed\n", took);
    }
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    return 0;
}

/* Threads: concurrent wrong logins must each count exactly once. */
struct thread_arg { CK_SLOT_ID slot; const char *wrong_pin; int errors; };

static void *thread_main(void *argp)
{
    struct thread_arg *arg = argp;
    CK_SESSION_HANDLE s;
    CK_BYTE buf[16];
    CK_TOKEN_INFO ti;
    CK_OBJECT_HANDLE found[8];
    CK_ULONG n;

    if (p->C_OpenSession(arg->slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
        arg->errors++;
        return NULL;
    }
    if (p->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)arg->wrong_pin, strlen(arg->wrong_pin)) != CKR_PIN_INCORRECT)
        arg->errors++;
    for (int i = 0; i < 20; i++) {
        if (p->C_GenerateRandom(s, buf, sizeof buf) != CKR_OK) arg->errors++;
        if (p->C_GetTokenInfo(arg->slot, &ti) != CKR_OK) arg->errors++;
        if (p->C_FindObjectsInit(s, NULL, 0) != CKR_OK) arg->errors++;
        if (p->C_FindObjects(s, found, 8, &n) != CKR_OK) arg->errors++;
        if (p->C_FindObjectsFinal(s) != CKR_OK) arg->errors++;
    }
    if (p->C_CloseSession(s) != CKR_OK) arg->errors++;
    return NULL;
}

static int cmd_threads(CK_SLOT_ID slot, const char *wrong_pin, int count)
{
    pthread_t threads[64];
    struct thread_arg args[64];
    CK_C_INITIALIZE_ARGS init = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
    int errors = 0;

    if (count > 64) count = 64;
    EXPECT(p->C_Initialize(&init), CKR_OK);
    for (int i = 0; i < count; i++) {
        args[i] = (struct thread_arg){ slot, wrong_pin, 0 };
        pthread_create(&threads[i], NULL, thread_main, &args[i]);
    }
    for (int i = 0; i < count; i++) {
        pthread_join(threads[i], NULL);
        errors += args[i].errors;
    }
    if (errors) die("%d unexpected results in %d threads", errors, count);
    printf("  ok  %d threads ran without unexpected results\n", count);
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    return 0;
}

/* C_Initialize / C_Finalize life cycle, C_GetInfo, C_WaitForSlotEvent, list. */
static int cmd_lifecycle(void)
{
    CK_C_INITIALIZE_ARGS bad = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, (void *)1 };
    CK_C_INITIALIZE_ARGS os = { NULL, NULL, NULL, NULL, CKF_OS_LOCKING_OK, NULL };
    CK_ULONG n = 0;
    CK_SLOT_ID slot, slots[64];
    CK_INFO info;
    CK_SESSION_HANDLE s;
    CK_SESSION_INFO si;
    void (**fn)(void) = (void (**)(void))&p->C_Initialize;
    size_t count = (sizeof *p - offsetof(CK_FUNCTION_LIST, C_Initialize)) / sizeof *fn;

    for (size_t i = 0; i < count; i++)
        if (fn[i] == NULL) die("function list entry %zu is NULL", i);
    printf("  ok  function list has all %zu v2.40 functions\n", count);
    if (p->version.major != 2 || p->version.minor != 40) die("function list version is not 2.40");

    EXPECT(p->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT(p->C_Initialize(&bad), CKR_ARGUMENTS_BAD);
    EXPECT(p->C_Initialize(NULL), CKR_OK);
    EXPECT(p->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
    EXPECT(p->C_GetInfo(&info), CKR_OK);
    print_field("library_manufacturer", info.manufacturerID, 32);
    EXPECT(p->C_WaitForSlotEvent(0, &slot, NULL), CKR_FUNCTION_NOT_SUPPORTED);
    EXPECT(p->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot, NULL), CKR_FUNCTION_NOT_SUPPORTED);
    n = 64;
    EXPECT(p->C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
    slot = slots[0];
    s = open_session(slot);
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    EXPECT(p->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT(p->C_GetSessionInfo(s, &si), CKR_CRYPTOKI_NOT_INITIALIZED);
    EXPECT(p->C_Initialize(&os), CKR_OK);
    EXPECT(p->C_GetSessionInfo(s, &si), CKR_SESSION_HANDLE_INVALID);
    n = 0;
    EXPECT(p->C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
    if (n < 2) die("only %lu slots after re-initialization", n);
    {
        CK_SLOT_ID few[1];
        CK_ULONG small = 1;
        EXPECT(p->C_GetSlotList(CK_TRUE, few, &small), CKR_BUFFER_TOO_SMALL);
        if (small != n) die("C_GetSlotList reported %lu instead of %lu", small, n);
    }
    s = open_session(slot);
    EXPECT(p->C_CloseAllSessions(slot), CKR_OK);
    EXPECT(p->C_GetSessionInfo(s, &si), CKR_SESSION_HANDLE_INVALID);
    EXPECT(p->C_Finalize(NULL), CKR_OK);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) die("usage: p11drv <module> <command> [args]");
    load(argv[1]);
    state_dir = getenv("SIM_STATE");
    serial = getenv("SIM_SERIAL");
    const char *cmd = argv[2];
    CK_SLOT_ID slot = argc > 3 ? strtoul(argv[3], NULL, 0) : 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(cmd, "tokeninfo")) return cmd_tokeninfo(slot, argc > 4 ? argv[4] : NULL,
                                                     argc > 5 && !strcmp(argv[5], "so") ? CKU_SO : CKU_USER);
    if (!strcmp(cmd, "slotinfo")) return cmd_slotinfo(slot);
    if (!strcmp(cmd, "setpin") && argc == 8) return cmd_setpin(slot, argv[4], argv[5], argv[6], argv[7]);
    if (!strcmp(cmd, "copy") && argc == 5) return cmd_copy(slot, argv[4]);
    if (!strcmp(cmd, "replug") && state_dir && serial) return cmd_replug(slot);
    if (!strcmp(cmd, "slow") && argc == 5 && state_dir && serial) return cmd_slow(slot, argv[4]);
    if (!strcmp(cmd, "threads") && argc == 6) return cmd_threads(slot, argv[4], atoi(argv[5]));
    if (!strcmp(cmd, "lifecycle")) return cmd_lifecycle();
    die("bad command line");
    return 1;
}
EOF
gcc -std=c11 -Wall -Wextra -Werror -O2 -I/usr/include/p11-kit-1 "$work/p11drv.c" \
    -o "$work/p11drv" -ldl -lpthread

# ---------------------------------------------------------------------------
# SoftHSM tokens and the simulator configuration
# ---------------------------------------------------------------------------
export SOFTHSM2_CONF="$work/softhsm2.conf"
mkdir -p "$work/tokens"
cat >"$SOFTHSM2_CONF" <<EOF
directories.tokendir = $work/tokens
objectstore.backend = file
log.level = ERROR
EOF

SO_PIN=87654321
PIN=1234
for label in alpha beta gamma delta; do
    softhsm2-util --init-token --free --label "$label" --so-pin "$SO_PIN" --pin "$PIN" >/dev/null
done

# slot id and real serial per label, from SoftHSM itself
declare -A SLOT REAL
while read -r slot serial label; do
    [ -n "$label" ] || continue
    SLOT[$label]=$slot
    REAL[$label]=$serial
done < <(softhsm2-util --show-slots | awk '/^Slot /{slot=$2} /Serial number:/{ser=$3} /Label:/{print slot, ser, $2}')
for label in alpha beta gamma delta; do
    [ -n "${SLOT[$label]:-}" ] || fail "could not find SoftHSM token $label"
done

DEVICE=0A1B2C3D4E5F6071       # alpha and beta: two areas of one device
state="$work/state"
export P11SIM_CONFIG="$work/p11sim.conf"
cat >"$P11SIM_CONFIG" <<EOF
# p11sim self-test configuration
module = $softhsm_module
state_dir = $state        # control files live here

[token ${REAL[alpha]}]
serial = $DEVICE
manufacturer = SafeNet, Inc.
model = eToken 5110 CC
slot_description = SafeNet eToken 5110 CC 00
user_pin_max_tries = 3
so_pin_max_tries = 3
user_pin_to_be_changed = true
so_pin_to_be_changed = false

[token ${REAL[beta]}]
serial = $DEVICE
manufacturer = SafeNet, Inc.
model = eToken 5110 CC
slot_description = SafeNet eToken 5110 CC 01
user_pin_max_tries = 0        # unlimited
user_pin_to_be_changed = yes

[token ${REAL[delta]}]        # no overrides: presented serial = real serial
user_pin_max_tries = 20
EOF
# gamma is deliberately not listed.

P11() { pkcs11-tool --module "$sim" "$@" 2>&1; }
drv() { SIM_STATE="$state" SIM_SERIAL="$DEVICE" SIM_REAL_MODULE="$softhsm_module" "$work/p11drv" "$sim" "$@"; }
field() { grep -E "^$1=" <<<"$2" | head -n1 | cut -d= -f2-; }
pad() { printf "[%-${2}s]" "$1"; }
pinflags() { field pinflags "$(drv tokeninfo "${SLOT[$1]}")"; }
login_rv() {   # login_rv <label> <user|so> <pin>: prints the CKR_ name or OK
    local out
    if [ "$2" = so ]; then
        out=$(P11 --slot "${SLOT[$1]}" --session-rw --login --login-type so --so-pin "$3" --list-objects) && { echo OK; return; }
    else
        out=$(P11 --slot "${SLOT[$1]}" --login --pin "$3" --list-objects) && { echo OK; return; }
    fi
    grep -oE 'CKR_[A-Z_]+' <<<"$out" | head -n1
}
counter() { grep -E "^$2 = " "$state/counters/${REAL[$1]}" | awk '{print $3}'; }
memory_with() { echo "$(( 73728 - 2048 * $1 ))/73728 $(( 73728 - 2048 * $1 ))/73728"; }

echo "p11sim self-test in $work"

# ---------------------------------------------------------------------------
section "1. identity overrides"
out=$(P11 --show-info)
expect_match "C_GetInfo manufacturer says p11sim" "$out" "Manufacturer +p11sim over SoftHSM"
out=$(P11 --list-slots)
expect_match "slot description overridden" "$out" "\\(0x[0-9a-f]+\\): SafeNet eToken 5110 CC 00"
expect_match "token manufacturer overridden" "$out" "token manufacturer : SafeNet, Inc\\."
expect_match "token model overridden" "$out" "token model *: eToken 5110 CC"
expect_match "presented serial" "$out" "serial num *: $DEVICE"
expect_match "unlisted token keeps its real serial" "$out" "serial num *: ${REAL[gamma]}"
info=$(drv tokeninfo "${SLOT[alpha]}")
expect_eq "serialNumber blank padded" "$(field serial "$info")" "$(pad $DEVICE 16)"
expect_eq "manufacturerID blank padded" "$(field manufacturer "$info")" "$(pad 'SafeNet, Inc.' 32)"
expect_eq "model blank padded" "$(field model "$info")" "$(pad 'eToken 5110 CC' 16)"
info=$(drv tokeninfo "${SLOT[beta]}")
expect_eq "second area shares the device serial" "$(field serial "$info")" "$(pad $DEVICE 16)"
info=$(drv slotinfo "${SLOT[alpha]}")
expect_eq "slotDescription" "$(field description "$info")" "$(pad 'SafeNet eToken 5110 CC 00' 64)"
expect_eq "slot manufacturerID" "$(field manufacturer "$info")" "$(pad 'SafeNet, Inc.' 32)"
info=$(drv slotinfo "${SLOT[gamma]}")
expect_eq "unlisted slot passes through" "$(field manufacturer "$info")" "$(pad 'SoftHSM project' 32)"
info=$(drv tokeninfo "${SLOT[delta]}")
expect_eq "listed token without serial override" "$(field serial "$info")" "$(pad "${REAL[delta]}" 16)"

# ---------------------------------------------------------------------------
section "2. PIN retry counters"
expect_eq "initial flags" "$(pinflags alpha)" "user_to_be_changed"
expect_eq "wrong PIN 1" "$(login_rv alpha user 0000)" "CKR_PIN_INCORRECT"
expect_eq "count low" "$(pinflags alpha)" "user_count_low,user_to_be_changed"
expect_eq "wrong PIN 2" "$(login_rv alpha user 0000)" "CKR_PIN_INCORRECT"
expect_eq "final try" "$(pinflags alpha)" "user_count_low,user_final_try,user_to_be_changed"
expect_eq "wrong PIN 3 (locks, still reports incorrect)" "$(login_rv alpha user 0000)" "CKR_PIN_INCORRECT"
expect_eq "locked" "$(pinflags alpha)" "user_locked,user_to_be_changed"
expect_eq "right PIN while locked" "$(login_rv alpha user $PIN)" "CKR_PIN_LOCKED"
expect_eq "state persisted: user_remaining" "$(counter alpha user_remaining)" "0"
expect_eq "state persisted: user_locked" "$(counter alpha user_locked)" "1"
expect_eq "wrong SO PIN" "$(login_rv alpha so 00000000)" "CKR_PIN_INCORRECT"
expect_eq "SO count low" "$(pinflags alpha)" "user_locked,user_to_be_changed,so_count_low"
out=$(P11 --slot "${SLOT[alpha]}" --login --login-type so --so-pin $SO_PIN --init-pin --new-pin $PIN)
expect_match "C_InitPIN as SO" "$out" "successfully"
expect_eq "C_InitPIN unlocks user, SO login resets SO" "$(pinflags alpha)" ""
expect_eq "user login after unlock" "$(login_rv alpha user $PIN)" "OK"
expect_eq "C_SetPIN wrong old PIN (user session)" "$(field rv "$(drv setpin "${SLOT[alpha]}" user $PIN 9999 5678)")" "CKR_PIN_INCORRECT"
expect_eq "C_SetPIN failure counted for user" "$(pinflags alpha)" "user_count_low"
expect_eq "C_SetPIN right old PIN" "$(field rv "$(drv setpin "${SLOT[alpha]}" user $PIN $PIN 5678)")" "CKR_OK"
expect_eq "C_SetPIN success resets user" "$(pinflags alpha)" ""
out=$(P11 --slot "${SLOT[alpha]}" --login --pin 5678 --change-pin --new-pin $PIN)
expect_match "pkcs11-tool --change-pin" "$out" "PIN successfully changed"
expect_eq "C_SetPIN wrong old PIN (SO session)" "$(field rv "$(drv setpin "${SLOT[alpha]}" so $SO_PIN 11111111 22222222)")" "CKR_PIN_INCORRECT"
expect_eq "counted for SO" "$(pinflags alpha)" "so_count_low"
expect_eq "SO login resets SO" "$(login_rv alpha so $SO_PIN)" "OK"
for i in 1 2 3; do login_rv alpha user 0000 >/dev/null; done
expect_eq "locked again" "$(pinflags alpha)" "user_locked"
out=$(P11 --slot "${SLOT[alpha]}" --init-token --label alpha --so-pin $SO_PIN)
expect_match "C_InitToken" "$out" "successfully initialized"
expect_eq "C_InitToken restores initial state" "$(pinflags alpha)" "user_to_be_changed"
P11 --slot "${SLOT[alpha]}" --login --login-type so --so-pin $SO_PIN --init-pin --new-pin $PIN >/dev/null
expect_eq "user login after re-initialization" "$(login_rv alpha user $PIN)" "OK"

expect_eq "max_tries = 0: wrong PIN" "$(login_rv beta user 0000)" "CKR_PIN_INCORRECT"
expect_eq "max_tries = 0: no counting, SoftHSM's own bit hidden" "$(pinflags beta)" "user_to_be_changed"
out=$(P11 --slot "${SLOT[beta]}" --login --pin $PIN --change-pin --new-pin $PIN)
expect_eq "C_SetPIN clears to-be-changed" "$(pinflags beta)" ""

expect_eq "unlisted: wrong PIN" "$(login_rv gamma user 0000)" "CKR_PIN_INCORRECT"
expect_eq "unlisted: SoftHSM's flags pass through" "$(pinflags gamma)" "user_count_low"
[ ! -e "$state/counters/${REAL[gamma]}" ] || fail "counter file written for an unlisted token"
pass "unlisted: no counter file"

# Concurrent processes.  SoftHSM itself sometimes fails a process that starts
# while another one rewrites the token file (CKR_SLOT_ID_INVALID), so count
# the tries that really reached the token.
for i in 1 2 3 4 5 6; do
    P11 --slot "${SLOT[delta]}" --login --pin 0000 --list-objects >"$work/parallel.$i" &
    background_pids+=($!)
done
wait
background_pids=()
tries=$(cat "$work"/parallel.* | grep -c CKR_PIN_INCORRECT || true)
[ "$tries" -ge 1 ] || fail "no parallel login reached the token: $(cat "$work"/parallel.*)"
expect_eq "$tries of 6 parallel processes got CKR_PIN_INCORRECT, each counted once" \
    "$(counter delta user_remaining)" "$(( 20 - tries ))"
expect_eq "right PIN resets the counter" "$(login_rv delta user $PIN)" "OK"
out=$(drv threads "${SLOT[delta]}" 0000 8) || fail "threads: $out"
pass "8 threads with concurrent sessions"
expect_eq "8 threads: each try counted once" "$(counter delta user_remaining)" "12"
expect_eq "right PIN resets the counter" "$(login_rv delta user $PIN)" "OK"
expect_eq "counter back at max" "$(counter delta user_remaining)" "20"

# ---------------------------------------------------------------------------
section "3. memory and full device"
expect_eq "empty token: all memory free" "$(field memory "$(drv tokeninfo "${SLOT[alpha]}")")" "$(memory_with 0)"
out=$(P11 --slot "${SLOT[alpha]}" --login --pin $PIN --keypairgen --key-type EC:prime256v1 --label k1 --id 01)
expect_match "key pair generated" "$out" "Key pair generated"
expect_eq "one public object counted" "$(field memory "$(drv tokeninfo "${SLOT[alpha]}")")" "$(memory_with 1)"
echo "hello" >"$work/data.txt"
out=$(P11 --slot "${SLOT[alpha]}" --login --pin $PIN --write-object "$work/data.txt" --type data --label d1)
expect_match "data object written" "$out" "Created Data Object"
expect_eq "two public objects counted" "$(field memory "$(drv tokeninfo "${SLOT[alpha]}")")" "$(memory_with 2)"
expect_eq "logged-in session does not change the count" \
    "$(field memory "$(drv tokeninfo "${SLOT[alpha]}" $PIN)")" "$(memory_with 2)"
expect_eq "SO-logged-in session does not change the count" \
    "$(field memory "$(drv tokeninfo "${SLOT[alpha]}" $SO_PIN so)")" "$(memory_with 2)"
touch "$state/full/$DEVICE"
expect_eq "full: no free memory" "$(field memory "$(drv tokeninfo "${SLOT[alpha]}")")" "0/73728 0/73728"
out=$(P11 --slot "${SLOT[alpha]}" --login --pin $PIN --keypairgen --key-type EC:prime256v1 --label k2) || true
expect_match "full: C_GenerateKeyPair" "$out" "CKR_DEVICE_MEMORY"
out=$(P11 --slot "${SLOT[alpha]}" --login --pin $PIN --keygen --key-type AES:16 --label a2) || true
expect_match "full: C_GenerateKey" "$out" "CKR_DEVICE_MEMORY"
out=$(P11 --slot "${SLOT[alpha]}" --login --pin $PIN --write-object "$work/data.txt" --type data --label d2) || true
expect_match "full: C_CreateObject" "$out" "CKR_DEVICE_MEMORY"
expect_eq "full: C_CopyObject" "$(field rv "$(drv copy "${SLOT[alpha]}" $PIN)")" "CKR_DEVICE_MEMORY"
rm "$state/full/$DEVICE"
expect_eq "not full: C_CopyObject" "$(field rv "$(drv copy "${SLOT[alpha]}" $PIN)")" "CKR_OK"
expect_eq "not full: memory back" "$(field memory "$(drv tokeninfo "${SLOT[alpha]}")")" "$(memory_with 2)"
unlisted_memory=$(field memory "$(drv tokeninfo "${SLOT[gamma]}")")
[ "$unlisted_memory" != "$(memory_with 0)" ] || fail "unlisted token got simulated memory"
pass "unlisted token memory passes through ($unlisted_memory)"

# ---------------------------------------------------------------------------
section "4. slow device and removal during an operation"
head -c 32 /dev/urandom >"$work/hash.bin"
echo 400 >"$state/delay_ms/$DEVICE"
start=$(now_ms)
out=$(P11 --slot "${SLOT[alpha]}" --login --pin $PIN --sign --mechanism ECDSA --id 01 \
      -i "$work/hash.bin" -o "$work/sig.bin")
took=$(( $(now_ms) - start ))
[ "$took" -ge 800 ] || fail "C_Login + C_Sign with 400 ms delay took only $took ms"
pass "C_Login + C_Sign waited (${took} ms)"

echo 1000 >"$state/delay_ms/$DEVICE"
P11 --slot "${SLOT[alpha]}" --login --pin $PIN --keypairgen --key-type EC:prime256v1 \
    --label k-removed >"$work/keygen.out" &
keygen_pid=$!
background_pids+=($keygen_pid)
sleep 1.5      # login done after ~1 s, key generation waits until ~2 s
touch "$state/unplugged/$DEVICE"
wait $keygen_pid && fail "key generation succeeded although the device was pulled"
background_pids=()
expect_match "C_GenerateKeyPair interrupted" "$(cat "$work/keygen.out")" "CKR_DEVICE_REMOVED"
rm -f "$state/unplugged/$DEVICE" "$state/delay_ms/$DEVICE"
out=$(P11 --slot "${SLOT[alpha]}" --login --pin $PIN --list-objects)
expect_no_match "no key from the interrupted generation" "$out" "k-removed"
out=$(drv slow "${SLOT[alpha]}" $PIN) || fail "slow: $out"
echo "$out"
checks=$((checks + $(grep -c '  ok  ' <<<"$out")))

# ---------------------------------------------------------------------------
section "5. presence"
touch "$state/unplugged/$DEVICE"
out=$(P11 --list-token-slots)
expect_no_match "unplugged device: no token slots" "$out" "label *: (alpha|beta)"
expect_match "other tokens still listed" "$out" "label *: gamma"
out=$(P11 --list-slots)
expect_match "unplugged device: slot listed as empty" "$(grep -A1 'SafeNet eToken 5110 CC 00' <<<"$out")" "^  \\(empty\\)"
expect_match "both areas are gone" "$(grep -A1 'SafeNet eToken 5110 CC 01' <<<"$out")" "^  \\(empty\\)"
expect_eq "CKF_TOKEN_PRESENT cleared" "$(field present "$(drv slotinfo "${SLOT[alpha]}")")" "0"
expect_eq "C_GetTokenInfo" "$(field rv "$(drv tokeninfo "${SLOT[alpha]}")")" "CKR_TOKEN_NOT_PRESENT"
out=$(P11 --slot "${SLOT[alpha]}" --list-objects) || true
expect_match "C_OpenSession" "$out" "C_OpenSession failed: rv = CKR_TOKEN_NOT_PRESENT"
out=$(P11 --slot "${SLOT[alpha]}" --list-mechanisms) || true
expect_match "C_GetMechanismList" "$out" "CKR_TOKEN_NOT_PRESENT"
out=$(P11 --slot "${SLOT[alpha]}" --init-token --label alpha --so-pin $SO_PIN) || true
expect_match "C_InitToken" "$out" "CKR_TOKEN_NOT_PRESENT"
rm "$state/unplugged/$DEVICE"
out=$(P11 --list-token-slots)
expect_match "re-plugged device is back" "$out" "label *: alpha"
touch "$state/unplugged/${REAL[gamma]}"
expect_no_match "unlisted token can be unplugged by real serial" "$(P11 --list-token-slots)" "label *: gamma"
rm "$state/unplugged/${REAL[gamma]}"
out=$(drv replug "${SLOT[alpha]}") || fail "replug: $out"
echo "$out"
checks=$((checks + $(grep -c '  ok  ' <<<"$out")))

# ---------------------------------------------------------------------------
section "6. life cycle"
out=$(drv lifecycle) || fail "lifecycle: $out"
echo "$out"
checks=$((checks + $(grep -c '  ok  ' <<<"$out")))
expect_eq "library manufacturerID" "$(field library_manufacturer "$out")" "$(pad 'p11sim over SoftHSM' 32)"

# ---------------------------------------------------------------------------
section "7. configuration errors"
out=$(env -u P11SIM_CONFIG pkcs11-tool --module "$sim" --list-slots 2>&1) && fail "ran without P11SIM_CONFIG"
expect_match "missing P11SIM_CONFIG is reported" "$out" "P11SIM_CONFIG is not set"
printf 'module = %s\nstate_dir = %s\nbogus = 1\n' "$softhsm_module" "$state" >"$work/bad.conf"
out=$(P11SIM_CONFIG="$work/bad.conf" pkcs11-tool --module "$sim" --list-slots 2>&1) && fail "ran with a bad config"
expect_match "bad key is reported with its line" "$out" "bad.conf:3: unknown key"

echo "selftest: all $checks checks passed"
