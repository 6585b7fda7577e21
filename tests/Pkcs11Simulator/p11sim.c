/*
 * p11sim - a PKCS#11 v2.40 test module.
 *
 * It loads a real PKCS#11 module (normally SoftHSM2), forwards every call to
 * it and simulates what SoftHSM cannot do by itself:
 *
 *   - vendor identity (serial, manufacturer, model, slot description),
 *   - unplugging / re-plugging a device (control file "unplugged/<serial>"),
 *   - slow operations that can be interrupted by removal ("delay_ms/<serial>"),
 *   - a full device ("full/<serial>") and a simulated memory size,
 *   - PIN retry counters, lock-out and "PIN to be changed" flags, persisted
 *     in "counters/<real serial>" so that several processes share them.
 *
 * The configuration file is named by the environment variable P11SIM_CONFIG
 * and read at C_Initialize.  See README.md for the format.
 *
 * Only C_GetFunctionList is exported; all other functions are static and are
 * reached through the function list.  Session handles given to the caller are
 * the simulator's own (never reused within a process) and are translated to
 * the real module's handles.
 */
#define _GNU_SOURCE

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#define SIM_ENV_CONFIG       "P11SIM_CONFIG"
#define SIM_SERIAL_LEN       16
#define SIM_TOTAL_MEMORY     73728UL
#define SIM_BYTES_PER_OBJECT 2048UL
#define SIM_DELAY_STEP_MS    50L

/* Calls the real module, or reports "not supported" if it lacks the function. */
#define CALL_REAL(name, args) \
    (g_real->name != NULL ? g_real->name args : CKR_FUNCTION_NOT_SUPPORTED)

/* ========================================================================= */
/* Small string and time helpers                                             */
/* ========================================================================= */

static void sim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void sim_log(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("p11sim: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Strips leading and trailing white space in place. */
static char *trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

/* Writes a C string into a fixed-size, blank padded PKCS#11 text field. */
static void field_set(CK_UTF8CHAR *dst, size_t size, const char *src)
{
    size_t len = strlen(src);

    if (len > size)
        len = size;
    memset(dst, ' ', size);
    memcpy(dst, src, len);
}

/* Reads a blank padded PKCS#11 text field into a trimmed C string. */
static void field_get(const CK_UTF8CHAR *src, size_t size, char *dst, size_t dst_size)
{
    size_t begin = 0, end = size, len;

    while (begin < end && (src[begin] == ' ' || src[begin] == '\0'))
        begin++;
    while (end > begin && (src[end - 1] == ' ' || src[end - 1] == '\0'))
        end--;
    len = end - begin;
    if (len >= dst_size)
        len = dst_size - 1;
    memcpy(dst, src + begin, len);
    dst[len] = '\0';
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Makes room for at least one more element in a growable array. */
static int array_reserve(void **items, size_t *capacity, size_t used, size_t item_size)
{
    size_t new_capacity;
    void *grown;

    if (used < *capacity)
        return 1;
    new_capacity = *capacity ? *capacity * 2 : 16;
    grown = realloc(*items, new_capacity * item_size);
    if (grown == NULL)
        return 0;
    *items = grown;
    *capacity = new_capacity;
    return 1;
}

/* ========================================================================= */
/* Configuration                                                             */
/* ========================================================================= */

enum pin_user { PIN_USER = 0, PIN_SO = 1, PIN_USER_KINDS = 2 };

static const char *const pin_user_name[PIN_USER_KINDS] = { "user", "so" };

struct token_cfg {
    struct token_cfg *next;
    char real_serial[SIM_SERIAL_LEN + 1];   /* section key: serial of the real token */
    char serial[SIM_SERIAL_LEN + 1];        /* presented serial, "" = real serial */
    char manufacturer[32 + 1];
    char model[16 + 1];
    char slot_description[64 + 1];
    CK_ULONG max_tries[PIN_USER_KINDS];     /* 0 = unlimited, no counting */
    int initial_to_be_changed[PIN_USER_KINDS];
};

struct sim_config {
    char *module;
    char *state_dir;
    struct token_cfg *tokens;
};

static void config_free(struct sim_config *cfg)
{
    while (cfg->tokens != NULL) {
        struct token_cfg *next = cfg->tokens->next;
        free(cfg->tokens);
        cfg->tokens = next;
    }
    free(cfg->module);
    free(cfg->state_dir);
    memset(cfg, 0, sizeof *cfg);
}

static const char *text_value(char *dst, size_t capacity, const char *value)
{
    if (strlen(value) >= capacity)
        return "value is too long for this PKCS#11 field";
    strcpy(dst, value);
    return NULL;
}

static const char *ulong_value(CK_ULONG *dst, const char *value)
{
    char *end;
    unsigned long n;

    errno = 0;
    n = strtoul(value, &end, 10);
    if (*value == '\0' || *end != '\0' || errno != 0 || *value == '-')
        return "expected a non-negative number";
    *dst = n;
    return NULL;
}

static const char *bool_value(int *dst, const char *value)
{
    if (!strcasecmp(value, "true") || !strcasecmp(value, "yes") || !strcmp(value, "1"))
        *dst = 1;
    else if (!strcasecmp(value, "false") || !strcasecmp(value, "no") || !strcmp(value, "0"))
        *dst = 0;
    else
        return "expected true or false";
    return NULL;
}

static const char *string_value(char **dst, const char *value)
{
    free(*dst);
    *dst = strdup(value);
    return *dst != NULL ? NULL : "out of memory";
}

static const char *config_global_key(struct sim_config *cfg, const char *key, const char *value)
{
    if (!strcmp(key, "module"))
        return string_value(&cfg->module, value);
    if (!strcmp(key, "state_dir"))
        return string_value(&cfg->state_dir, value);
    return "unknown key (expected module or state_dir)";
}

static const char *config_token_key(struct token_cfg *tok, const char *key, const char *value)
{
    if (!strcmp(key, "serial")) {
        if (strchr(value, '/') != NULL)
            return "serial must not contain '/'";
        return text_value(tok->serial, sizeof tok->serial, value);
    }
    if (!strcmp(key, "manufacturer"))
        return text_value(tok->manufacturer, sizeof tok->manufacturer, value);
    if (!strcmp(key, "model"))
        return text_value(tok->model, sizeof tok->model, value);
    if (!strcmp(key, "slot_description"))
        return text_value(tok->slot_description, sizeof tok->slot_description, value);
    if (!strcmp(key, "user_pin_max_tries"))
        return ulong_value(&tok->max_tries[PIN_USER], value);
    if (!strcmp(key, "so_pin_max_tries"))
        return ulong_value(&tok->max_tries[PIN_SO], value);
    if (!strcmp(key, "user_pin_to_be_changed"))
        return bool_value(&tok->initial_to_be_changed[PIN_USER], value);
    if (!strcmp(key, "so_pin_to_be_changed"))
        return bool_value(&tok->initial_to_be_changed[PIN_SO], value);
    return "unknown key in [token] section";
}

static const struct token_cfg *config_find_token(const struct sim_config *cfg, const char *real_serial)
{
    const struct token_cfg *tok;

    for (tok = cfg->tokens; tok != NULL; tok = tok->next)
        if (!strcasecmp(tok->real_serial, real_serial))
            return tok;
    return NULL;
}

/* Handles a "[token <real serial>]" line; makes it the current section. */
static const char *config_section(struct sim_config *cfg, char *line, struct token_cfg **current)
{
    size_t len = strlen(line);
    struct token_cfg *tok;
    char *serial;

    if (line[len - 1] != ']')
        return "section header must end with ']'";
    line[len - 1] = '\0';
    serial = trim(line + 1);
    if (strncmp(serial, "token", 5) != 0 || (serial[5] != ' ' && serial[5] != '\t'))
        return "expected [token <real serial>]";
    serial = trim(serial + 5);
    if (*serial == '\0' || strlen(serial) > SIM_SERIAL_LEN || strchr(serial, '/') != NULL)
        return "token serial must be 1 to 16 characters without '/'";
    if (config_find_token(cfg, serial) != NULL)
        return "token is listed twice";

    tok = calloc(1, sizeof *tok);
    if (tok == NULL)
        return "out of memory";
    strcpy(tok->real_serial, serial);
    tok->next = cfg->tokens;
    cfg->tokens = tok;
    *current = tok;
    return NULL;
}

static CK_RV config_load(const char *path, struct sim_config *cfg)
{
    struct token_cfg *current = NULL;
    const char *error = NULL;
    char line[1024];
    int line_no = 0;
    FILE *file;

    if (path == NULL || *path == '\0') {
        sim_log("environment variable %s is not set", SIM_ENV_CONFIG);
        return CKR_GENERAL_ERROR;
    }
    file = fopen(path, "r");
    if (file == NULL) {
        sim_log("cannot open %s: %s", path, strerror(errno));
        return CKR_GENERAL_ERROR;
    }
    while (error == NULL && fgets(line, sizeof line, file) != NULL) {
        char *hash = strchr(line, '#'), *text, *equals;

        line_no++;
        if (hash != NULL)
            *hash = '\0';
        text = trim(line);
        if (*text == '\0')
            continue;
        if (*text == '[') {
            error = config_section(cfg, text, &current);
            continue;
        }
        equals = strchr(text, '=');
        if (equals == NULL) {
            error = "expected 'key = value'";
            continue;
        }
        *equals = '\0';
        if (current != NULL)
            error = config_token_key(current, trim(text), trim(equals + 1));
        else
            error = config_global_key(cfg, trim(text), trim(equals + 1));
    }
    fclose(file);

    if (error != NULL) {
        sim_log("%s:%d: %s", path, line_no, error);
        return CKR_GENERAL_ERROR;
    }
    if (cfg->module == NULL || cfg->state_dir == NULL) {
        sim_log("%s: both 'module' and 'state_dir' must be set", path);
        return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
}

/* ========================================================================= */
/* Global state                                                              */
/* ========================================================================= */

struct slot_entry {                 /* cache: which real token is in a slot */
    CK_SLOT_ID slot;
    char real_serial[SIM_SERIAL_LEN + 1];
};

struct sim_session {                /* a session opened through the simulator */
    CK_SESSION_HANDLE handle;       /* handle the caller sees */
    CK_SESSION_HANDLE real;         /* handle in the real module */
    CK_SLOT_ID slot;
};

/* g_lock protects everything below; it is never held while waiting. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_initialized;
static void *g_module;
static CK_FUNCTION_LIST_PTR g_real;
static struct sim_config g_cfg;
static struct slot_entry *g_slots;
static size_t g_slot_count, g_slot_capacity;
static struct sim_session *g_sessions;
static size_t g_session_count, g_session_capacity;
static CK_SESSION_HANDLE g_next_handle = 1;    /* survives C_Finalize on purpose */

/* Serializes read-modify-write of PIN counter files within this process. */
static pthread_mutex_t g_pin_lock = PTHREAD_MUTEX_INITIALIZER;

static int sim_is_initialized(void)
{
    int initialized;

    pthread_mutex_lock(&g_lock);
    initialized = g_initialized;
    pthread_mutex_unlock(&g_lock);
    return initialized;
}

/* Frees everything C_Initialize set up.  Called with g_lock held. */
static void sim_state_free(void)
{
    if (g_module != NULL)
        dlclose(g_module);
    g_module = NULL;
    g_real = NULL;
    config_free(&g_cfg);
    free(g_slots);
    g_slots = NULL;
    g_slot_count = g_slot_capacity = 0;
    free(g_sessions);
    g_sessions = NULL;
    g_session_count = g_session_capacity = 0;
}

static CK_RV real_module_load(const char *path)
{
    CK_C_GetFunctionList get_function_list;

    g_module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (g_module == NULL) {
        sim_log("cannot load %s: %s", path, dlerror());
        return CKR_GENERAL_ERROR;
    }
    get_function_list = (CK_C_GetFunctionList)dlsym(g_module, "C_GetFunctionList");
    if (get_function_list == NULL || get_function_list(&g_real) != CKR_OK || g_real == NULL) {
        sim_log("%s has no usable C_GetFunctionList", path);
        return CKR_GENERAL_ERROR;
    }
    return CKR_OK;
}

/* Creates the control directories so tests only have to touch files. */
static void state_dirs_create(void)
{
    static const char *const areas[] = { "", "/unplugged", "/delay_ms", "/full", "/counters", "/labels" };
    char path[PATH_MAX];
    size_t i;

    for (i = 0; i < sizeof areas / sizeof areas[0]; i++) {
        snprintf(path, sizeof path, "%s%s", g_cfg.state_dir, areas[i]);
        if (mkdir(path, 0777) != 0 && errno != EEXIST)
            sim_log("cannot create %s: %s", path, strerror(errno));
    }
}

/* ========================================================================= */
/* Control files in the state directory                                      */
/* ========================================================================= */

static int state_path(char *buf, size_t size, const char *area, const char *serial)
{
    int n;

    if (serial[0] == '\0' || strchr(serial, '/') != NULL || !strcmp(serial, ".") || !strcmp(serial, ".."))
        return 0;
    n = snprintf(buf, size, "%s/%s/%s", g_cfg.state_dir, area, serial);
    return n > 0 && (size_t)n < size;
}

static int state_file_exists(const char *area, const char *serial)
{
    char path[PATH_MAX];
    struct stat st;

    return state_path(path, sizeof path, area, serial) && stat(path, &st) == 0;
}

/* Returns the number stored in a control file, or 0 if absent or invalid. */
static long state_file_number(const char *area, const char *serial)
{
    char path[PATH_MAX], text[32];
    long number = 0;
    FILE *file;

    if (!state_path(path, sizeof path, area, serial) || (file = fopen(path, "r")) == NULL)
        return 0;
    if (fgets(text, sizeof text, file) != NULL)
        number = strtol(trim(text), NULL, 10);
    fclose(file);
    return number > 0 ? number : 0;
}

/* ========================================================================= */
/* Slot identity: which real token sits in a slot, and how it is configured  */
/* ========================================================================= */

struct slot_ident {
    CK_SLOT_ID slot;
    char real_serial[SIM_SERIAL_LEN + 1];
    char presented[SIM_SERIAL_LEN + 1];     /* serial used for control files */
    const struct token_cfg *cfg;            /* NULL: token is not listed */
};

static struct slot_entry *slot_cache_find(CK_SLOT_ID slot)
{
    size_t i;

    for (i = 0; i < g_slot_count; i++)
        if (g_slots[i].slot == slot)
            return &g_slots[i];
    return NULL;
}

static void slot_cache_put(CK_SLOT_ID slot, const char *real_serial)
{
    struct slot_entry *entry;

    pthread_mutex_lock(&g_lock);
    entry = slot_cache_find(slot);
    if (entry == NULL &&
        array_reserve((void **)&g_slots, &g_slot_capacity, g_slot_count, sizeof *g_slots)) {
        entry = &g_slots[g_slot_count++];
        entry->slot = slot;
    }
    if (entry != NULL)
        snprintf(entry->real_serial, sizeof entry->real_serial, "%s", real_serial);
    pthread_mutex_unlock(&g_lock);
}

static int slot_cache_get(CK_SLOT_ID slot, char *real_serial, size_t size)
{
    struct slot_entry *entry;

    pthread_mutex_lock(&g_lock);
    entry = slot_cache_find(slot);
    if (entry != NULL)
        snprintf(real_serial, size, "%s", entry->real_serial);
    pthread_mutex_unlock(&g_lock);
    return entry != NULL;
}

static void ident_fill(struct slot_ident *id, CK_SLOT_ID slot, const char *real_serial)
{
    id->slot = slot;
    snprintf(id->real_serial, sizeof id->real_serial, "%s", real_serial);
    id->cfg = config_find_token(&g_cfg, real_serial);
    snprintf(id->presented, sizeof id->presented, "%s",
             id->cfg != NULL && id->cfg->serial[0] != '\0' ? id->cfg->serial : real_serial);
}

static void ident_from_token_info(struct slot_ident *id, CK_SLOT_ID slot, const CK_TOKEN_INFO *info)
{
    char serial[SIM_SERIAL_LEN + 1];

    field_get(info->serialNumber, sizeof info->serialNumber, serial, sizeof serial);
    slot_cache_put(slot, serial);
    ident_fill(id, slot, serial);
}

/* Asks the real module which token is in the slot (and updates the cache). */
static void slot_refresh(CK_SLOT_ID slot, struct slot_ident *id)
{
    CK_TOKEN_INFO info;

    if (CALL_REAL(C_GetTokenInfo, (slot, &info)) == CKR_OK)
        ident_from_token_info(id, slot, &info);
    else
        ident_fill(id, slot, "");
}

static void slot_identify(CK_SLOT_ID slot, struct slot_ident *id)
{
    char serial[SIM_SERIAL_LEN + 1];

    if (slot_cache_get(slot, serial, sizeof serial))
        ident_fill(id, slot, serial);
    else
        slot_refresh(slot, id);
}

static int device_unplugged(const struct slot_ident *id)
{
    return state_file_exists("unplugged", id->presented);
}

static int device_full(const struct slot_ident *id)
{
    return id->cfg != NULL && state_file_exists("full", id->presented);
}

/* ========================================================================= */
/* Session table                                                             */
/* ========================================================================= */

static struct sim_session *session_find(CK_SESSION_HANDLE handle)
{
    size_t i;

    for (i = 0; i < g_session_count; i++)
        if (g_sessions[i].handle == handle)
            return &g_sessions[i];
    return NULL;
}

/* Registers a real session; returns the handle for the caller (0 = no memory). */
static CK_SESSION_HANDLE session_remember(CK_SESSION_HANDLE real, CK_SLOT_ID slot)
{
    CK_SESSION_HANDLE handle = CK_INVALID_HANDLE;

    pthread_mutex_lock(&g_lock);
    if (array_reserve((void **)&g_sessions, &g_session_capacity, g_session_count, sizeof *g_sessions)) {
        handle = g_next_handle++;
        g_sessions[g_session_count].handle = handle;
        g_sessions[g_session_count].real = real;
        g_sessions[g_session_count].slot = slot;
        g_session_count++;
    }
    pthread_mutex_unlock(&g_lock);
    return handle;
}

static int session_lookup(CK_SESSION_HANDLE handle, struct sim_session *out)
{
    struct sim_session *found;

    pthread_mutex_lock(&g_lock);
    found = session_find(handle);
    if (found != NULL)
        *out = *found;
    pthread_mutex_unlock(&g_lock);
    return found != NULL;
}

/* Removes a session from the table; returns 1 if it was there. */
static int session_forget(CK_SESSION_HANDLE handle)
{
    struct sim_session *found;

    pthread_mutex_lock(&g_lock);
    found = session_find(handle);
    if (found != NULL)
        *found = g_sessions[--g_session_count];
    pthread_mutex_unlock(&g_lock);
    return found != NULL;
}

static void session_forget_slot(CK_SLOT_ID slot)
{
    size_t i = 0;

    pthread_mutex_lock(&g_lock);
    while (i < g_session_count) {
        if (g_sessions[i].slot == slot)
            g_sessions[i] = g_sessions[--g_session_count];
        else
            i++;
    }
    pthread_mutex_unlock(&g_lock);
}

/* ========================================================================= */
/* Entering a call: initialization, presence and session checks              */
/* ========================================================================= */

/* Everything a session-based call needs to know. */
struct call_ctx {
    CK_SESSION_HANDLE handle;
    CK_SESSION_HANDLE real;
    struct slot_ident id;
};

/* Slot-based calls: a missing device is CKR_TOKEN_NOT_PRESENT. */
static CK_RV slot_enter(CK_SLOT_ID slot, struct slot_ident *id)
{
    if (!sim_is_initialized())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    slot_identify(slot, id);
    return device_unplugged(id) ? CKR_TOKEN_NOT_PRESENT : CKR_OK;
}

/* The session's device went away: the session dies with it. */
static CK_RV session_removed(const struct call_ctx *ctx)
{
    if (session_forget(ctx->handle))
        (void)CALL_REAL(C_CloseSession, (ctx->real));
    return CKR_DEVICE_REMOVED;
}

/* Session-based calls: unknown handle or missing device fail here. */
static CK_RV session_enter(CK_SESSION_HANDLE handle, struct call_ctx *ctx)
{
    struct sim_session session;

    if (!sim_is_initialized())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (!session_lookup(handle, &session))
        return CKR_SESSION_HANDLE_INVALID;
    ctx->handle = handle;
    ctx->real = session.real;
    slot_identify(session.slot, &ctx->id);
    if (device_unplugged(&ctx->id))
        return session_removed(ctx);
    return CKR_OK;
}

/* A slow device: waits delay_ms in small steps, noticing removal. */
static CK_RV device_wait(const struct call_ctx *ctx)
{
    long left = state_file_number("delay_ms", ctx->id.presented);

    while (left > 0) {
        long step = left < SIM_DELAY_STEP_MS ? left : SIM_DELAY_STEP_MS;

        sleep_ms(step);
        left -= step;
        if (device_unplugged(&ctx->id))
            return session_removed(ctx);
    }
    return CKR_OK;
}

/*
 * After a device operation: if the device was pulled meanwhile, undo what the
 * operation created and report the removal instead of the real result.
 */
static CK_RV device_finish(const struct call_ctx *ctx, CK_RV rv,
                           const CK_OBJECT_HANDLE *created, size_t created_count)
{
    size_t i;

    if (!device_unplugged(&ctx->id))
        return rv;
    for (i = 0; rv == CKR_OK && i < created_count; i++)
        if (created[i] != CK_INVALID_HANDLE)
            (void)CALL_REAL(C_DestroyObject, (ctx->real, created[i]));
    return session_removed(ctx);
}

/* ========================================================================= */
/* PIN retry counters, persisted in <state_dir>/counters/<real serial>       */
/* ========================================================================= */

struct pin_counter {
    CK_ULONG remaining;
    int locked;
    int to_be_changed;
};

struct pin_state {
    struct pin_counter who[PIN_USER_KINDS];
};

enum pin_event {
    PIN_EVENT_FAILED,     /* wrong PIN: one try used up, maybe locked now */
    PIN_EVENT_VERIFIED,   /* right PIN: tries back to the maximum */
    PIN_EVENT_CHANGED     /* PIN (re)set: like verified, and no longer "to be changed" */
};

static int pin_user_of(CK_USER_TYPE user_type, enum pin_user *who)
{
    if (user_type == CKU_SO)
        *who = PIN_SO;
    else if (user_type == CKU_USER || user_type == CKU_CONTEXT_SPECIFIC)
        *who = PIN_USER;
    else
        return 0;
    return 1;
}

static void pin_state_initial(const struct token_cfg *cfg, struct pin_state *st)
{
    int u;

    for (u = 0; u < PIN_USER_KINDS; u++) {
        st->who[u].remaining = cfg->max_tries[u];
        st->who[u].locked = 0;
        st->who[u].to_be_changed = cfg->initial_to_be_changed[u];
    }
}

/* Parses one "user_remaining = 3" style line of a counter file. */
static void pin_state_parse_line(struct pin_state *st, char *line)
{
    char *equals = strchr(line, '='), *key;
    unsigned long value;
    int u;

    if (equals == NULL)
        return;
    *equals = '\0';
    key = trim(line);
    value = strtoul(trim(equals + 1), NULL, 10);
    for (u = 0; u < PIN_USER_KINDS; u++) {
        size_t prefix = strlen(pin_user_name[u]);
        const char *field = key + prefix + 1;

        if (strncmp(key, pin_user_name[u], prefix) != 0 || key[prefix] != '_')
            continue;
        if (!strcmp(field, "remaining"))
            st->who[u].remaining = value;
        else if (!strcmp(field, "locked"))
            st->who[u].locked = value != 0;
        else if (!strcmp(field, "to_be_changed"))
            st->who[u].to_be_changed = value != 0;
    }
}

/* Keeps a loaded state consistent with the configured maximum. */
static void pin_state_normalize(const struct token_cfg *cfg, struct pin_state *st)
{
    int u;

    for (u = 0; u < PIN_USER_KINDS; u++) {
        struct pin_counter *c = &st->who[u];
        CK_ULONG max = cfg->max_tries[u];

        if (max == 0) {
            c->remaining = 0;
            c->locked = 0;
            continue;
        }
        if (c->remaining > max)
            c->remaining = max;
        if (c->locked || c->remaining == 0) {
            c->locked = 1;
            c->remaining = 0;
        }
    }
}

static void pin_state_read(const struct slot_ident *id, struct pin_state *st)
{
    char path[PATH_MAX], line[256];
    FILE *file;

    pin_state_initial(id->cfg, st);
    if (!state_path(path, sizeof path, "counters", id->real_serial))
        return;
    file = fopen(path, "r");
    if (file == NULL)
        return;
    while (fgets(line, sizeof line, file) != NULL)
        if (line[0] != '#')
            pin_state_parse_line(st, line);
    fclose(file);
    pin_state_normalize(id->cfg, st);
}

/* Writes the state atomically (temporary file + rename). */
static void pin_state_write(const struct slot_ident *id, const struct pin_state *st)
{
    char path[PATH_MAX], temp[PATH_MAX + 32];
    FILE *file;
    int u, ok;

    if (!state_path(path, sizeof path, "counters", id->real_serial))
        return;
    snprintf(temp, sizeof temp, "%s.tmp.%ld", path, (long)getpid());
    file = fopen(temp, "w");
    if (file == NULL) {
        sim_log("cannot write %s: %s", temp, strerror(errno));
        return;
    }
    fprintf(file, "# p11sim PIN state of the token with real serial %s\n", id->real_serial);
    for (u = 0; u < PIN_USER_KINDS; u++)
        fprintf(file, "%s_remaining = %lu\n%s_locked = %d\n%s_to_be_changed = %d\n",
                pin_user_name[u], st->who[u].remaining,
                pin_user_name[u], st->who[u].locked,
                pin_user_name[u], st->who[u].to_be_changed);
    ok = fclose(file) == 0;
    if (!ok || rename(temp, path) != 0) {
        sim_log("cannot update %s", path);
        unlink(temp);
    }
}

/* Locks the counter files against this and other processes. */
static int pin_lock(void)
{
    char dir[PATH_MAX];
    int fd;

    pthread_mutex_lock(&g_pin_lock);
    snprintf(dir, sizeof dir, "%s/counters", g_cfg.state_dir);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0)
        flock(fd, LOCK_EX);
    return fd;
}

static void pin_unlock(int fd)
{
    if (fd >= 0) {
        flock(fd, LOCK_UN);
        close(fd);
    }
    pthread_mutex_unlock(&g_pin_lock);
}

static void pin_state_load(const struct slot_ident *id, struct pin_state *st)
{
    int fd = pin_lock();

    pin_state_read(id, st);
    pin_unlock(fd);
}

static int pin_locked(const struct slot_ident *id, enum pin_user who)
{
    struct pin_state st;

    if (id->cfg == NULL || id->cfg->max_tries[who] == 0)
        return 0;
    pin_state_load(id, &st);
    return st.who[who].locked;
}

static void pin_record(const struct slot_ident *id, enum pin_user who, enum pin_event event)
{
    struct pin_state before, after;
    struct pin_counter *c;
    CK_ULONG max;
    int fd;

    if (id->cfg == NULL)
        return;
    max = id->cfg->max_tries[who];
    fd = pin_lock();
    pin_state_read(id, &before);
    after = before;
    c = &after.who[who];
    if (event == PIN_EVENT_FAILED) {
        if (max > 0 && c->remaining > 0 && --c->remaining == 0)
            c->locked = 1;
    } else {
        c->remaining = max;
        c->locked = 0;
        if (event == PIN_EVENT_CHANGED)
            c->to_be_changed = 0;
    }
    if (memcmp(&before, &after, sizeof before) != 0)
        pin_state_write(id, &after);
    pin_unlock(fd);
}

/* C_InitToken: both PINs start over with the configured initial state. */
static void pin_reset_token(const struct slot_ident *id)
{
    struct pin_state st;
    int fd;

    if (id->cfg == NULL)
        return;
    fd = pin_lock();
    pin_state_initial(id->cfg, &st);
    pin_state_write(id, &st);
    pin_unlock(fd);
}

/* Which PIN a C_SetPIN in this session changes. */
static enum pin_user session_pin_user(const struct call_ctx *ctx)
{
    CK_SESSION_INFO info;

    if (CALL_REAL(C_GetSessionInfo, (ctx->real, &info)) == CKR_OK && info.state == CKS_RW_SO_FUNCTIONS)
        return PIN_SO;
    return PIN_USER;
}

/* ========================================================================= */
/* Token info adjustments for listed tokens                                  */
/* ========================================================================= */

enum { PIN_FLAG_COUNT_LOW, PIN_FLAG_FINAL_TRY, PIN_FLAG_LOCKED, PIN_FLAG_TO_BE_CHANGED, PIN_FLAG_KINDS };

static const CK_FLAGS pin_flag_bits[PIN_USER_KINDS][PIN_FLAG_KINDS] = {
    { CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED, CKF_USER_PIN_TO_BE_CHANGED },
    { CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED, CKF_SO_PIN_TO_BE_CHANGED },
};

static void apply_pin_flags(const struct slot_ident *id, CK_FLAGS *flags)
{
    struct pin_state st;
    int u, f;

    pin_state_load(id, &st);
    for (u = 0; u < PIN_USER_KINDS; u++) {
        const CK_FLAGS *bits = pin_flag_bits[u];
        const struct pin_counter *c = &st.who[u];
        CK_ULONG max = id->cfg->max_tries[u];

        for (f = 0; f < PIN_FLAG_KINDS; f++)
            *flags &= ~bits[f];
        if (max > 0 && c->remaining > 0 && c->remaining < max)
            *flags |= bits[PIN_FLAG_COUNT_LOW];
        if (max > 1 && c->remaining == 1)
            *flags |= bits[PIN_FLAG_FINAL_TRY];
        if (max > 0 && c->locked)
            *flags |= bits[PIN_FLAG_LOCKED];
        if (c->to_be_changed)
            *flags |= bits[PIN_FLAG_TO_BE_CHANGED];
    }
}

/* Public token objects, as a fresh session that is not logged in sees them. */
static CK_ULONG count_public_token_objects(CK_SLOT_ID slot)
{
    CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
    CK_ATTRIBUTE query[] = {
        { CKA_TOKEN, &yes, sizeof yes },
        { CKA_PRIVATE, &no, sizeof no },
    };
    CK_OBJECT_HANDLE found[64];
    CK_ULONG total = 0, n;
    CK_SESSION_HANDLE session;
    CK_RV rv = CALL_REAL(C_OpenSession, (slot, CKF_SERIAL_SESSION, NULL, NULL, &session));

    if (rv == CKR_SESSION_READ_WRITE_SO_EXISTS)     /* an SO is logged in */
        rv = CALL_REAL(C_OpenSession, (slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &session));
    if (rv != CKR_OK)
        return 0;
    if (CALL_REAL(C_FindObjectsInit, (session, query, 2)) == CKR_OK) {
        while (CALL_REAL(C_FindObjects, (session, found, 64, &n)) == CKR_OK && n > 0)
            total += n;
        (void)CALL_REAL(C_FindObjectsFinal, (session));
    }
    (void)CALL_REAL(C_CloseSession, (session));
    return total;
}

static void apply_memory(const struct slot_ident *id, CK_TOKEN_INFO *info)
{
    CK_ULONG free_memory = 0;

    if (!device_full(id)) {
        CK_ULONG objects = count_public_token_objects(id->slot);

        if (objects < SIM_TOTAL_MEMORY / SIM_BYTES_PER_OBJECT)
            free_memory = SIM_TOTAL_MEMORY - objects * SIM_BYTES_PER_OBJECT;
    }
    info->ulTotalPublicMemory = info->ulTotalPrivateMemory = SIM_TOTAL_MEMORY;
    info->ulFreePublicMemory = info->ulFreePrivateMemory = free_memory;
}

static void apply_token_identity(const struct token_cfg *cfg, CK_TOKEN_INFO *info)
{
    if (cfg->serial[0] != '\0')
        field_set(info->serialNumber, sizeof info->serialNumber, cfg->serial);
    if (cfg->manufacturer[0] != '\0')
        field_set(info->manufacturerID, sizeof info->manufacturerID, cfg->manufacturer);
    if (cfg->model[0] != '\0')
        field_set(info->model, sizeof info->model, cfg->model);
}

static void apply_slot_identity(const struct token_cfg *cfg, CK_SLOT_INFO *info)
{
    if (cfg->slot_description[0] != '\0')
        field_set(info->slotDescription, sizeof info->slotDescription, cfg->slot_description);
    if (cfg->manufacturer[0] != '\0')
        field_set(info->manufacturerID, sizeof info->manufacturerID, cfg->manufacturer);
}

/* ========================================================================= */
/* General purpose functions                                                 */
/* ========================================================================= */

static CK_RV sim_C_Initialize(CK_VOID_PTR init_args)
{
    const CK_C_INITIALIZE_ARGS *args = init_args;
    CK_C_INITIALIZE_ARGS real_args;
    CK_RV rv;

    if (args != NULL && args->pReserved != NULL)
        return CKR_ARGUMENTS_BAD;

    pthread_mutex_lock(&g_lock);
    if (g_initialized) {
        pthread_mutex_unlock(&g_lock);
        return CKR_CRYPTOKI_ALREADY_INITIALIZED;
    }
    rv = config_load(getenv(SIM_ENV_CONFIG), &g_cfg);
    if (rv == CKR_OK) {
        state_dirs_create();
        rv = real_module_load(g_cfg.module);
    }
    if (rv == CKR_OK) {
        /* We lock with pthreads ourselves; the real module may do the same. */
        memset(&real_args, 0, sizeof real_args);
        real_args.flags = CKF_OS_LOCKING_OK;
        if (args != NULL)
            real_args.flags |= args->flags & CKF_LIBRARY_CANT_CREATE_OS_THREADS;
        rv = g_real->C_Initialize(&real_args);
    }
    if (rv == CKR_OK)
        g_initialized = 1;
    else
        sim_state_free();
    pthread_mutex_unlock(&g_lock);
    return rv;
}

static CK_RV sim_C_Finalize(CK_VOID_PTR reserved)
{
    CK_RV rv;

    if (reserved != NULL)
        return CKR_ARGUMENTS_BAD;
    pthread_mutex_lock(&g_lock);
    if (!g_initialized) {
        rv = CKR_CRYPTOKI_NOT_INITIALIZED;
    } else {
        rv = g_real->C_Finalize(NULL);
        sim_state_free();
        g_initialized = 0;
    }
    pthread_mutex_unlock(&g_lock);
    return rv;
}

static CK_RV sim_C_GetInfo(CK_INFO_PTR info)
{
    char real_manufacturer[32 + 1], text[64];
    CK_RV rv;

    if (!sim_is_initialized())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    rv = CALL_REAL(C_GetInfo, (info));
    if (rv != CKR_OK)
        return rv;
    field_get(info->manufacturerID, sizeof info->manufacturerID, real_manufacturer, sizeof real_manufacturer);
    snprintf(text, sizeof text, "p11sim over %s", real_manufacturer);
    field_set(info->manufacturerID, sizeof info->manufacturerID, text);
    return CKR_OK;
}

/* ========================================================================= */
/* Slot and token management                                                 */
/* ========================================================================= */

/* Fetches the real module's slot list into a new array. */
static CK_RV real_slot_list(CK_BBOOL token_present, CK_SLOT_ID **slots, CK_ULONG *count)
{
    for (;;) {
        CK_SLOT_ID *list;
        CK_ULONG n = 0;
        CK_RV rv = CALL_REAL(C_GetSlotList, (token_present, NULL, &n));

        if (rv != CKR_OK)
            return rv;
        list = calloc(n > 0 ? n : 1, sizeof *list);
        if (list == NULL)
            return CKR_HOST_MEMORY;
        rv = CALL_REAL(C_GetSlotList, (token_present, list, &n));
        if (rv == CKR_OK) {
            *slots = list;
            *count = n;
            return CKR_OK;
        }
        free(list);
        if (rv != CKR_BUFFER_TOO_SMALL)
            return rv;
    }
}

static CK_RV sim_C_GetSlotList(CK_BBOOL token_present, CK_SLOT_ID_PTR slot_list, CK_ULONG_PTR count)
{
    CK_SLOT_ID *slots;
    CK_ULONG n, kept = 0, i;
    CK_RV rv;

    if (!sim_is_initialized())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    if (count == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = real_slot_list(token_present, &slots, &n);
    if (rv != CKR_OK)
        return rv;

    for (i = 0; i < n; i++) {
        struct slot_ident id;

        slot_refresh(slots[i], &id);
        if (token_present && device_unplugged(&id))
            continue;
        slots[kept++] = slots[i];
    }

    if (slot_list == NULL) {
        rv = CKR_OK;
    } else if (*count < kept) {
        rv = CKR_BUFFER_TOO_SMALL;
    } else {
        memcpy(slot_list, slots, kept * sizeof *slots);
        rv = CKR_OK;
    }
    *count = kept;
    free(slots);
    return rv;
}

static CK_RV sim_C_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
    struct slot_ident id;
    CK_RV rv;

    if (!sim_is_initialized())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    rv = CALL_REAL(C_GetSlotInfo, (slot, info));
    if (rv != CKR_OK)
        return rv;
    slot_identify(slot, &id);
    if (id.cfg != NULL)
        apply_slot_identity(id.cfg, info);
    if (device_unplugged(&id))
        info->flags &= ~CKF_TOKEN_PRESENT;
    return CKR_OK;
}

/* A label set through P11SIM_SetTokenLabel replaces the real one (stored per real token, 32 blank-padded bytes). */
static void apply_label(const struct slot_ident *id, CK_TOKEN_INFO *info)
{
    char path[PATH_MAX];
    CK_UTF8CHAR label[sizeof info->label];
    FILE *file;

    if (!state_path(path, sizeof path, "labels", id->real_serial) || (file = fopen(path, "rb")) == NULL)
        return;
    if (fread(label, 1, sizeof label, file) == sizeof label)
        memcpy(info->label, label, sizeof label);
    fclose(file);
}

static CK_RV sim_C_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
    struct slot_ident id;
    CK_RV rv;

    if (!sim_is_initialized())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    rv = CALL_REAL(C_GetTokenInfo, (slot, info));
    if (rv != CKR_OK)
        return rv;
    ident_from_token_info(&id, slot, info);
    if (device_unplugged(&id))
        return CKR_TOKEN_NOT_PRESENT;
    apply_label(&id, info);
    if (id.cfg == NULL)
        return CKR_OK;
    apply_token_identity(id.cfg, info);
    apply_pin_flags(&id, &info->flags);
    apply_memory(&id, info);
    return CKR_OK;
}

static CK_RV sim_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved)
{
    (void)flags;
    (void)slot;
    (void)reserved;
    return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV sim_C_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
    struct slot_ident id;
    CK_RV rv = slot_enter(slot, &id);

    return rv != CKR_OK ? rv : CALL_REAL(C_GetMechanismList, (slot, list, count));
}

static CK_RV sim_C_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
    struct slot_ident id;
    CK_RV rv = slot_enter(slot, &id);

    return rv != CKR_OK ? rv : CALL_REAL(C_GetMechanismInfo, (slot, type, info));
}

static CK_RV sim_C_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len, CK_UTF8CHAR_PTR label)
{
    struct slot_ident before, after;
    CK_RV rv = slot_enter(slot, &before);

    if (rv != CKR_OK)
        return rv;
    rv = CALL_REAL(C_InitToken, (slot, pin, pin_len, label));
    if (rv != CKR_OK)
        return rv;
    slot_refresh(slot, &after);     /* an initialized token may have a new serial */
    pin_reset_token(&after);
    if (strcmp(before.real_serial, after.real_serial) != 0)
        pin_reset_token(&before);
    return CKR_OK;
}

static CK_RV sim_C_InitPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR_PTR pin, CK_ULONG pin_len)
{
    struct call_ctx ctx;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    rv = CALL_REAL(C_InitPIN, (ctx.real, pin, pin_len));
    if (rv == CKR_OK)
        pin_record(&ctx.id, PIN_USER, PIN_EVENT_CHANGED);
    return rv;
}

static CK_RV sim_C_SetPIN(CK_SESSION_HANDLE session, CK_UTF8CHAR_PTR old_pin, CK_ULONG old_len,
                          CK_UTF8CHAR_PTR new_pin, CK_ULONG new_len)
{
    struct call_ctx ctx;
    enum pin_user who;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    if (ctx.id.cfg == NULL)
        return CALL_REAL(C_SetPIN, (ctx.real, old_pin, old_len, new_pin, new_len));

    who = session_pin_user(&ctx);
    if (pin_locked(&ctx.id, who))
        return CKR_PIN_LOCKED;
    rv = CALL_REAL(C_SetPIN, (ctx.real, old_pin, old_len, new_pin, new_len));
    if (rv == CKR_PIN_INCORRECT)
        pin_record(&ctx.id, who, PIN_EVENT_FAILED);
    else if (rv == CKR_OK)
        pin_record(&ctx.id, who, PIN_EVENT_CHANGED);
    return rv;
}

/* ========================================================================= */
/* Session management                                                        */
/* ========================================================================= */

static CK_RV sim_C_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR application,
                               CK_NOTIFY notify, CK_SESSION_HANDLE_PTR session)
{
    CK_SESSION_HANDLE real;
    struct slot_ident id;
    CK_RV rv = slot_enter(slot, &id);

    if (rv != CKR_OK)
        return rv;
    if (session == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = CALL_REAL(C_OpenSession, (slot, flags, application, notify, &real));
    if (rv != CKR_OK)
        return rv;
    *session = session_remember(real, slot);
    if (*session == CK_INVALID_HANDLE) {
        (void)CALL_REAL(C_CloseSession, (real));
        return CKR_HOST_MEMORY;
    }
    return CKR_OK;
}

static CK_RV sim_C_CloseSession(CK_SESSION_HANDLE session)
{
    struct call_ctx ctx;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    rv = CALL_REAL(C_CloseSession, (ctx.real));
    if (rv == CKR_OK || rv == CKR_SESSION_HANDLE_INVALID || rv == CKR_SESSION_CLOSED)
        session_forget(session);
    return rv;
}

static CK_RV sim_C_CloseAllSessions(CK_SLOT_ID slot)
{
    CK_RV rv;

    if (!sim_is_initialized())
        return CKR_CRYPTOKI_NOT_INITIALIZED;
    rv = CALL_REAL(C_CloseAllSessions, (slot));
    if (rv == CKR_OK)
        session_forget_slot(slot);
    return rv;
}

static CK_RV sim_C_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user_type,
                         CK_UTF8CHAR_PTR pin, CK_ULONG pin_len)
{
    struct call_ctx ctx;
    enum pin_user who = PIN_USER;
    int counted;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    rv = device_wait(&ctx);
    if (rv != CKR_OK)
        return rv;

    counted = ctx.id.cfg != NULL && pin_user_of(user_type, &who);
    if (counted && pin_locked(&ctx.id, who))
        return CKR_PIN_LOCKED;
    rv = CALL_REAL(C_Login, (ctx.real, user_type, pin, pin_len));
    if (counted && rv == CKR_PIN_INCORRECT)
        pin_record(&ctx.id, who, PIN_EVENT_FAILED);
    else if (counted && (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN))
        pin_record(&ctx.id, who, PIN_EVENT_VERIFIED);
    return device_finish(&ctx, rv, NULL, 0);
}

/* ========================================================================= */
/* Functions with simulated device behaviour                                 */
/* ========================================================================= */

static CK_RV sim_C_CreateObject(CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ, CK_ULONG count,
                                CK_OBJECT_HANDLE_PTR object)
{
    struct call_ctx ctx;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    if (device_full(&ctx.id))
        return CKR_DEVICE_MEMORY;
    return CALL_REAL(C_CreateObject, (ctx.real, templ, count, object));
}

static CK_RV sim_C_CopyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR templ,
                              CK_ULONG count, CK_OBJECT_HANDLE_PTR new_object)
{
    struct call_ctx ctx;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    if (device_full(&ctx.id))
        return CKR_DEVICE_MEMORY;
    return CALL_REAL(C_CopyObject, (ctx.real, object, templ, count, new_object));
}

static CK_RV sim_C_Sign(CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
                        CK_BYTE_PTR signature, CK_ULONG_PTR signature_len)
{
    struct call_ctx ctx;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    if (signature != NULL) {        /* a length query does not reach the chip */
        rv = device_wait(&ctx);
        if (rv != CKR_OK)
            return rv;
    }
    rv = CALL_REAL(C_Sign, (ctx.real, data, data_len, signature, signature_len));
    return device_finish(&ctx, rv, NULL, 0);
}

static CK_RV sim_C_SignFinal(CK_SESSION_HANDLE session, CK_BYTE_PTR signature, CK_ULONG_PTR signature_len)
{
    struct call_ctx ctx;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    if (signature != NULL) {
        rv = device_wait(&ctx);
        if (rv != CKR_OK)
            return rv;
    }
    rv = CALL_REAL(C_SignFinal, (ctx.real, signature, signature_len));
    return device_finish(&ctx, rv, NULL, 0);
}

static CK_RV sim_C_GenerateKey(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
                               CK_ATTRIBUTE_PTR templ, CK_ULONG count, CK_OBJECT_HANDLE_PTR key)
{
    CK_OBJECT_HANDLE created = CK_INVALID_HANDLE;
    struct call_ctx ctx;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    if (device_full(&ctx.id))
        return CKR_DEVICE_MEMORY;
    rv = device_wait(&ctx);
    if (rv != CKR_OK)
        return rv;
    rv = CALL_REAL(C_GenerateKey, (ctx.real, mechanism, templ, count, key));
    if (rv == CKR_OK && key != NULL)
        created = *key;
    return device_finish(&ctx, rv, &created, 1);
}

static CK_RV sim_C_GenerateKeyPair(CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism,
                                   CK_ATTRIBUTE_PTR public_templ, CK_ULONG public_count,
                                   CK_ATTRIBUTE_PTR private_templ, CK_ULONG private_count,
                                   CK_OBJECT_HANDLE_PTR public_key, CK_OBJECT_HANDLE_PTR private_key)
{
    CK_OBJECT_HANDLE created[2] = { CK_INVALID_HANDLE, CK_INVALID_HANDLE };
    struct call_ctx ctx;
    CK_RV rv = session_enter(session, &ctx);

    if (rv != CKR_OK)
        return rv;
    if (device_full(&ctx.id))
        return CKR_DEVICE_MEMORY;
    rv = device_wait(&ctx);
    if (rv != CKR_OK)
        return rv;
    rv = CALL_REAL(C_GenerateKeyPair, (ctx.real, mechanism, public_templ, public_count,
                                       private_templ, private_count, public_key, private_key));
    if (rv == CKR_OK && public_key != NULL)
        created[0] = *public_key;
    if (rv == CKR_OK && private_key != NULL)
        created[1] = *private_key;
    return device_finish(&ctx, rv, created, 2);
}

/* ========================================================================= */
/* Plain pass-through session functions                                      */
/* ========================================================================= */

/*
 * PASS_THROUGH(name, shape) defines sim_<name>: check the session and its
 * device, then call the real module with the real session handle.  A shape
 * is "(parameters), (arguments)"; the session parameter is always "session"
 * and the real handle is passed as "ctx.real".
 */
#define PASS_THROUGH(name, ...) PASS_THROUGH_(name, __VA_ARGS__)
#define PASS_THROUGH_(name, params, args)                         \
    static CK_RV sim_##name params                                \
    {                                                             \
        struct call_ctx ctx;                                      \
        CK_RV rv = session_enter(session, &ctx);                  \
                                                                  \
        return rv != CKR_OK ? rv : CALL_REAL(name, args);         \
    }

#define SHAPE_SESSION \
    (CK_SESSION_HANDLE session), (ctx.real)
#define SHAPE_OBJECT \
    (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object), (ctx.real, object)
#define SHAPE_OBJECT_ATTRIBUTES \
    (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR templ, CK_ULONG count), \
    (ctx.real, object, templ, count)
#define SHAPE_MECHANISM \
    (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism), (ctx.real, mechanism)
#define SHAPE_MECHANISM_KEY \
    (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key), \
    (ctx.real, mechanism, key)
#define SHAPE_IN \
    (CK_SESSION_HANDLE session, CK_BYTE_PTR in, CK_ULONG in_len), (ctx.real, in, in_len)
#define SHAPE_OUT \
    (CK_SESSION_HANDLE session, CK_BYTE_PTR out, CK_ULONG_PTR out_len), (ctx.real, out, out_len)
#define SHAPE_IN_OUT \
    (CK_SESSION_HANDLE session, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len), \
    (ctx.real, in, in_len, out, out_len)

PASS_THROUGH(C_GetSessionInfo,
             (CK_SESSION_HANDLE session, CK_SESSION_INFO_PTR info), (ctx.real, info))
PASS_THROUGH(C_GetOperationState, SHAPE_OUT)
PASS_THROUGH(C_SetOperationState,
             (CK_SESSION_HANDLE session, CK_BYTE_PTR state, CK_ULONG state_len,
              CK_OBJECT_HANDLE encryption_key, CK_OBJECT_HANDLE authentication_key),
             (ctx.real, state, state_len, encryption_key, authentication_key))
PASS_THROUGH(C_Logout, SHAPE_SESSION)
PASS_THROUGH(C_DestroyObject, SHAPE_OBJECT)
PASS_THROUGH(C_GetObjectSize,
             (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ULONG_PTR size),
             (ctx.real, object, size))
PASS_THROUGH(C_GetAttributeValue, SHAPE_OBJECT_ATTRIBUTES)
PASS_THROUGH(C_SetAttributeValue, SHAPE_OBJECT_ATTRIBUTES)
PASS_THROUGH(C_FindObjectsInit,
             (CK_SESSION_HANDLE session, CK_ATTRIBUTE_PTR templ, CK_ULONG count),
             (ctx.real, templ, count))
PASS_THROUGH(C_FindObjects,
             (CK_SESSION_HANDLE session, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max_count,
              CK_ULONG_PTR found_count),
             (ctx.real, objects, max_count, found_count))
PASS_THROUGH(C_FindObjectsFinal, SHAPE_SESSION)
PASS_THROUGH(C_EncryptInit, SHAPE_MECHANISM_KEY)
PASS_THROUGH(C_Encrypt, SHAPE_IN_OUT)
PASS_THROUGH(C_EncryptUpdate, SHAPE_IN_OUT)
PASS_THROUGH(C_EncryptFinal, SHAPE_OUT)
PASS_THROUGH(C_DecryptInit, SHAPE_MECHANISM_KEY)
PASS_THROUGH(C_Decrypt, SHAPE_IN_OUT)
PASS_THROUGH(C_DecryptUpdate, SHAPE_IN_OUT)
PASS_THROUGH(C_DecryptFinal, SHAPE_OUT)
PASS_THROUGH(C_DigestInit, SHAPE_MECHANISM)
PASS_THROUGH(C_Digest, SHAPE_IN_OUT)
PASS_THROUGH(C_DigestUpdate, SHAPE_IN)
PASS_THROUGH(C_DigestKey, SHAPE_OBJECT)
PASS_THROUGH(C_DigestFinal, SHAPE_OUT)
PASS_THROUGH(C_SignInit, SHAPE_MECHANISM_KEY)
PASS_THROUGH(C_SignUpdate, SHAPE_IN)
PASS_THROUGH(C_SignRecoverInit, SHAPE_MECHANISM_KEY)
PASS_THROUGH(C_SignRecover, SHAPE_IN_OUT)
PASS_THROUGH(C_VerifyInit, SHAPE_MECHANISM_KEY)
PASS_THROUGH(C_Verify,
             (CK_SESSION_HANDLE session, CK_BYTE_PTR data, CK_ULONG data_len,
              CK_BYTE_PTR signature, CK_ULONG signature_len),
             (ctx.real, data, data_len, signature, signature_len))
PASS_THROUGH(C_VerifyUpdate, SHAPE_IN)
PASS_THROUGH(C_VerifyFinal, SHAPE_IN)
PASS_THROUGH(C_VerifyRecoverInit, SHAPE_MECHANISM_KEY)
PASS_THROUGH(C_VerifyRecover, SHAPE_IN_OUT)
PASS_THROUGH(C_DigestEncryptUpdate, SHAPE_IN_OUT)
PASS_THROUGH(C_DecryptDigestUpdate, SHAPE_IN_OUT)
PASS_THROUGH(C_SignEncryptUpdate, SHAPE_IN_OUT)
PASS_THROUGH(C_DecryptVerifyUpdate, SHAPE_IN_OUT)
PASS_THROUGH(C_WrapKey,
             (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE wrapping_key,
              CK_OBJECT_HANDLE key, CK_BYTE_PTR wrapped, CK_ULONG_PTR wrapped_len),
             (ctx.real, mechanism, wrapping_key, key, wrapped, wrapped_len))
PASS_THROUGH(C_UnwrapKey,
             (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE unwrapping_key,
              CK_BYTE_PTR wrapped, CK_ULONG wrapped_len, CK_ATTRIBUTE_PTR templ, CK_ULONG count,
              CK_OBJECT_HANDLE_PTR key),
             (ctx.real, mechanism, unwrapping_key, wrapped, wrapped_len, templ, count, key))
PASS_THROUGH(C_DeriveKey,
             (CK_SESSION_HANDLE session, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE base_key,
              CK_ATTRIBUTE_PTR templ, CK_ULONG count, CK_OBJECT_HANDLE_PTR key),
             (ctx.real, mechanism, base_key, templ, count, key))
PASS_THROUGH(C_SeedRandom, SHAPE_IN)
PASS_THROUGH(C_GenerateRandom, SHAPE_IN)
PASS_THROUGH(C_GetFunctionStatus, SHAPE_SESSION)
PASS_THROUGH(C_CancelFunction, SHAPE_SESSION)

/* ========================================================================= */
/* The function list                                                         */
/* ========================================================================= */

static CK_FUNCTION_LIST g_function_list = {
    .version = { CRYPTOKI_VERSION_MAJOR, CRYPTOKI_VERSION_MINOR },
    .C_Initialize = sim_C_Initialize,
    .C_Finalize = sim_C_Finalize,
    .C_GetInfo = sim_C_GetInfo,
    .C_GetFunctionList = C_GetFunctionList,
    .C_GetSlotList = sim_C_GetSlotList,
    .C_GetSlotInfo = sim_C_GetSlotInfo,
    .C_GetTokenInfo = sim_C_GetTokenInfo,
    .C_GetMechanismList = sim_C_GetMechanismList,
    .C_GetMechanismInfo = sim_C_GetMechanismInfo,
    .C_InitToken = sim_C_InitToken,
    .C_InitPIN = sim_C_InitPIN,
    .C_SetPIN = sim_C_SetPIN,
    .C_OpenSession = sim_C_OpenSession,
    .C_CloseSession = sim_C_CloseSession,
    .C_CloseAllSessions = sim_C_CloseAllSessions,
    .C_GetSessionInfo = sim_C_GetSessionInfo,
    .C_GetOperationState = sim_C_GetOperationState,
    .C_SetOperationState = sim_C_SetOperationState,
    .C_Login = sim_C_Login,
    .C_Logout = sim_C_Logout,
    .C_CreateObject = sim_C_CreateObject,
    .C_CopyObject = sim_C_CopyObject,
    .C_DestroyObject = sim_C_DestroyObject,
    .C_GetObjectSize = sim_C_GetObjectSize,
    .C_GetAttributeValue = sim_C_GetAttributeValue,
    .C_SetAttributeValue = sim_C_SetAttributeValue,
    .C_FindObjectsInit = sim_C_FindObjectsInit,
    .C_FindObjects = sim_C_FindObjects,
    .C_FindObjectsFinal = sim_C_FindObjectsFinal,
    .C_EncryptInit = sim_C_EncryptInit,
    .C_Encrypt = sim_C_Encrypt,
    .C_EncryptUpdate = sim_C_EncryptUpdate,
    .C_EncryptFinal = sim_C_EncryptFinal,
    .C_DecryptInit = sim_C_DecryptInit,
    .C_Decrypt = sim_C_Decrypt,
    .C_DecryptUpdate = sim_C_DecryptUpdate,
    .C_DecryptFinal = sim_C_DecryptFinal,
    .C_DigestInit = sim_C_DigestInit,
    .C_Digest = sim_C_Digest,
    .C_DigestUpdate = sim_C_DigestUpdate,
    .C_DigestKey = sim_C_DigestKey,
    .C_DigestFinal = sim_C_DigestFinal,
    .C_SignInit = sim_C_SignInit,
    .C_Sign = sim_C_Sign,
    .C_SignUpdate = sim_C_SignUpdate,
    .C_SignFinal = sim_C_SignFinal,
    .C_SignRecoverInit = sim_C_SignRecoverInit,
    .C_SignRecover = sim_C_SignRecover,
    .C_VerifyInit = sim_C_VerifyInit,
    .C_Verify = sim_C_Verify,
    .C_VerifyUpdate = sim_C_VerifyUpdate,
    .C_VerifyFinal = sim_C_VerifyFinal,
    .C_VerifyRecoverInit = sim_C_VerifyRecoverInit,
    .C_VerifyRecover = sim_C_VerifyRecover,
    .C_DigestEncryptUpdate = sim_C_DigestEncryptUpdate,
    .C_DecryptDigestUpdate = sim_C_DecryptDigestUpdate,
    .C_SignEncryptUpdate = sim_C_SignEncryptUpdate,
    .C_DecryptVerifyUpdate = sim_C_DecryptVerifyUpdate,
    .C_GenerateKey = sim_C_GenerateKey,
    .C_GenerateKeyPair = sim_C_GenerateKeyPair,
    .C_WrapKey = sim_C_WrapKey,
    .C_UnwrapKey = sim_C_UnwrapKey,
    .C_DeriveKey = sim_C_DeriveKey,
    .C_SeedRandom = sim_C_SeedRandom,
    .C_GenerateRandom = sim_C_GenerateRandom,
    .C_GetFunctionStatus = sim_C_GetFunctionStatus,
    .C_CancelFunction = sim_C_CancelFunction,
    .C_WaitForSlotEvent = sim_C_WaitForSlotEvent,
};

/*
 * Vendor extension, as middleware offers one for renaming a token (PKCS#11 itself can only relabel by
 * re-initialising, which wipes the token): label is 32 blank-padded UTF-8 bytes. The new label is kept in the
 * state directory and presented by C_GetTokenInfo from then on, like a rename on the chip.
 */
__attribute__((visibility("default")))
CK_RV P11SIM_SetTokenLabel(CK_SLOT_ID slot, const CK_UTF8CHAR *label)
{
    char path[PATH_MAX], temp[PATH_MAX + 32];
    struct slot_ident id;
    FILE *file;
    CK_RV rv;
    int ok;

    if (label == NULL)
        return CKR_ARGUMENTS_BAD;
    rv = slot_enter(slot, &id);
    if (rv != CKR_OK)
        return rv;
    slot_refresh(slot, &id);
    if (!state_path(path, sizeof path, "labels", id.real_serial))
        return CKR_TOKEN_NOT_RECOGNIZED;
    snprintf(temp, sizeof temp, "%s.tmp.%ld", path, (long)getpid());
    if ((file = fopen(temp, "wb")) == NULL)
        return CKR_DEVICE_ERROR;
    ok = fwrite(label, 1, 32, file) == 32;
    ok = fclose(file) == 0 && ok;
    if (!ok || rename(temp, path) != 0) {
        unlink(temp);
        return CKR_DEVICE_ERROR;
    }
    return CKR_OK;
}

__attribute__((visibility("default")))
CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR function_list)
{
    if (function_list == NULL)
        return CKR_ARGUMENTS_BAD;
    *function_list = &g_function_list;
    return CKR_OK;
}
