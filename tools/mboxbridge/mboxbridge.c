// SPDX-License-Identifier: GPL-2.0
/*
 * mboxbridge: carries mbox mailboxes between hosts over NATS JetStream.
 * See mboxbridge.8 for what it does and what it promises.
 *
 * Threads: the main thread keeps this host's lease and watches the leases
 * and export records the imports depend on; each export and each import
 * has a thread of its own; a ZERO import starts one short-lived thread per
 * held sender (the request/reply to the exporter), and libnats calls a
 * ZERO export's handler on its own delivery thread.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <nats/nats.h>

#include <mbox.h>

#define NAME_HEX_MAX	(2 * MBOX_NAME_MAX + 1)
#define SUBJ_MAX	256
#define FETCH_BATCH	256
/* Stream sequences an exporter remembers having delivered itself. */
#define RECENT		4096
/* Publishes of an UNBOUNDED import in flight at once (BOUNDED: one). */
#define PUB_WINDOW	256

/* Message headers the bridge writes and reads (see mboxbridge.8). */
#define H_PRIO		"Mbox-Priority"
#define H_TYPE		"Mbox-Type"
#define H_ORIGIN	"Mbox-Origin"	/* host:pid:uid, as the sending bridge saw it */
#define H_WAIT_MS	"Mbox-Wait-Ms"	/* ZERO: how long the sender still waits */
#define H_STATUS	"Mbox-Status"	/* ZERO reply: 0 or -errno */
#define H_SEQ		"Mbox-Seq"	/* the proxy's sequence number */
#define H_PACK		"Mbox-Pack"	/* several messages in one: their count */

/*
 * UNBOUNDED imports pack what the proxy already holds into one stream
 * message (up to PACK_MAX messages, PACK_BYTES of records): the cluster's
 * cost is per stream message (a replicated store, a dedup entry, a
 * delivery and a replicated ack), so a backlog costs it once per pack.
 * A record: struct pack_rec (little-endian, whatever the host: the two
 * ends of a pack may differ), then the origin, then the message bytes.
 */
#define PACK_MAX	64
#define PACK_BYTES	65536

struct pack_rec {
	uint32_t len;		/* the message's bytes */
	uint32_t priority;
	uint32_t type;
	uint32_t origin_len;	/* Mbox-Origin's text, without a NUL */
	uint64_t seq;		/* the proxy's sequence number */
};

struct export {
	char name[MBOX_NAME_MAX];
	char hex[NAME_HEX_MAX];
	pthread_t thread;
	pthread_mutex_t lock;		/* @fd for the ZERO handler */
	int fd;				/* user handle on the real mailbox */
	uint64_t delivered;		/* last stream sequence delivered */
	uint64_t floor;			/* the record found at the start */
	uint64_t *recent;		/* RECENT: what this process delivered */
	jsCtx *js;			/* its own: its records' async acks */
	atomic_bool record_failed;	/* an async record was not stored */
	struct mbox_info info;
	json_t *allow;			/* hosts whose origins it vouches for */
};

struct import {
	char name[MBOX_NAME_MAX];
	char hex[NAME_HEX_MAX];
	char from[64];
	pthread_t thread;
	/* Kept by the main thread: may the proxy exist, and which one. */
	atomic_bool available;
	atomic_uint gen;		/* bumped when the proxy must go */
	char attrs[512];		/* the export record, under @lock */
	uint64_t lease_rev;
	int64_t lease_seen_ms;		/* when @lease_rev last changed */
	pthread_rwlock_t fd_lock;	/* @proxy against ZERO completions */
	int proxy;
	atomic_uint held;		/* ZERO requests in flight */
	pthread_mutex_t lock;
	jsCtx *js;			/* its own: its publishes' async acks */
	pthread_mutex_t fail_lock;	/* @failed */
	natsMsg **failed;		/* async publishes to redo, any order */
	int nfailed, failed_size;
};

static struct {
	char host[64];
	const char **servers;
	int nservers;
	const char *user, *password, *nkey, *nkey_seed, *creds, *tls_ca,
		*tls_cert, *tls_key;
	bool tls;
	int lease_ms;
	int replicas;
	int zero_timeout_ms;
	int unbounded_limit;
	bool memory;
	struct export *exports;
	int nexports;
	struct import *imports;
	int nimports;
	int verbose;
} cfg = {
	.lease_ms = 3000,
	.replicas = 3,
	.zero_timeout_ms = 5000,
	.unbounded_limit = 100000,
};

static natsConnection *nc;
static jsCtx *js;
static kvStore *kv_exports, *kv_leases, *kv_delivered;
static atomic_bool stopping;
static uint64_t boot_id;

static void logmsg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void logmsg(int prio, const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	if (prio == LOG_DEBUG && !cfg.verbose)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	fprintf(stderr, "%lld.%03ld mboxbridge[%s]: ", (long long)ts.tv_sec,
		ts.tv_nsec / 1000000, cfg.host[0] ? cfg.host : "-");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Subjects, stream and key names carry a mailbox name as hex: names may hold '.'. */
static void to_hex(char *out, const char *name)
{
	static const char digits[] = "0123456789abcdef";

	for (; *name; name++) {
		*out++ = digits[(unsigned char)*name >> 4];
		*out++ = digits[(unsigned char)*name & 15];
	}
	*out = '\0';
}

static bool host_ok(const char *h)
{
	if (!*h || strlen(h) >= 64)
		return false;
	for (; *h; h++)
		if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') ||
		      (*h >= '0' && *h <= '9') || *h == '-' || *h == '_'))
			return false;
	return true;
}

/*
 * The 64-bit id of a host name in a vouched origin (mbox_origin.host):
 * FNV-1a, an identifier, not a secret; `mboxbridge --host-id NAME` prints
 * it.
 */
static uint64_t host_id(const char *host)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *host; host++) {
		h ^= (unsigned char)*host;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ------------------------------------------------------------ config */

/* An export's "allow": an array of host names (see mboxbridge.8). */
static int export_allow(const char *path, struct export *e, json_t *v)
{
	json_t *h;
	size_t j;

	e->allow = json_is_object(v) ? json_object_get(v, "allow") : NULL;
	if (!e->allow)
		return 0;
	if (!json_is_array(e->allow))
		goto bad;
	json_array_foreach(e->allow, j, h)
		if (!json_is_string(h) || !host_ok(json_string_value(h)))
			goto bad;
	return 0;
bad:
	logmsg(LOG_ERR, "%s: export %s: \"allow\" must be an array of host names",
	       path, e->name);
	return -1;
}

static const char *jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int jint(json_t *o, const char *key, int def)
{
	json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

static int load_config(const char *path)
{
	json_error_t err;
	json_t *root, *a, *v;
	const char *s;
	size_t i;

	root = json_load_file(path, 0, &err);
	if (!root) {
		logmsg(LOG_ERR, "%s:%d: %s", path, err.line, err.text);
		return -1;
	}
	s = jstr(root, "host");
	if (!s || !host_ok(s)) {
		logmsg(LOG_ERR, "%s: \"host\" must be 1-63 of [A-Za-z0-9_-]", path);
		return -1;
	}
	snprintf(cfg.host, sizeof(cfg.host), "%s", s);
	a = json_object_get(root, "servers");
	if (!json_is_array(a) || !json_array_size(a)) {
		logmsg(LOG_ERR, "%s: \"servers\" must list NATS URLs", path);
		return -1;
	}
	cfg.nservers = (int)json_array_size(a);
	cfg.servers = calloc(cfg.nservers, sizeof(*cfg.servers));
	json_array_foreach(a, i, v)
		cfg.servers[i] = json_string_value(v);
	cfg.user = jstr(root, "user");
	cfg.password = jstr(root, "password");
	cfg.nkey = jstr(root, "nkey");
	cfg.nkey_seed = jstr(root, "nkey_seed_file");
	if (!cfg.nkey != !cfg.nkey_seed) {
		logmsg(LOG_ERR, "%s: \"nkey\" and \"nkey_seed_file\" go together", path);
		return -1;
	}
	cfg.creds = jstr(root, "credentials_file");
	v = json_object_get(root, "tls");
	if (json_is_object(v)) {
		cfg.tls = true;
		cfg.tls_ca = jstr(v, "ca_file");
		cfg.tls_cert = jstr(v, "cert_file");
		cfg.tls_key = jstr(v, "key_file");
	}
	cfg.lease_ms = jint(root, "lease_ms", cfg.lease_ms);
	cfg.replicas = jint(root, "replicas", cfg.replicas);
	cfg.zero_timeout_ms = jint(root, "zero_timeout_ms", cfg.zero_timeout_ms);
	cfg.unbounded_limit = jint(root, "unbounded_limit", cfg.unbounded_limit);
	cfg.memory = json_is_true(json_object_get(root, "memory_storage"));
	if (cfg.lease_ms < 400 || cfg.replicas < 1 || cfg.replicas > 5 ||
	    cfg.zero_timeout_ms < 10 || cfg.unbounded_limit < 1) {
		logmsg(LOG_ERR, "%s: lease_ms >= 400, replicas 1-5, zero_timeout_ms >= 10, unbounded_limit >= 1",
		       path);
		return -1;
	}

	a = json_object_get(root, "exports");
	cfg.nexports = json_is_array(a) ? (int)json_array_size(a) : 0;
	cfg.exports = calloc(cfg.nexports + 1, sizeof(*cfg.exports));
	for (i = 0; i < (size_t)cfg.nexports; i++) {
		struct export *e = &cfg.exports[i];

		v = json_array_get(a, i);
		s = json_is_string(v) ? json_string_value(v) : jstr(v, "name");
		if (!s || !*s || strlen(s) >= MBOX_NAME_MAX) {
			logmsg(LOG_ERR, "%s: exports[%zu]: bad name", path, i);
			return -1;
		}
		snprintf(e->name, sizeof(e->name), "%s", s);
		to_hex(e->hex, e->name);
		e->fd = -1;
		pthread_mutex_init(&e->lock, NULL);
		if (export_allow(path, e, v))
			return -1;
	}
	a = json_object_get(root, "imports");
	cfg.nimports = json_is_array(a) ? (int)json_array_size(a) : 0;
	cfg.imports = calloc(cfg.nimports + 1, sizeof(*cfg.imports));
	for (i = 0; i < (size_t)cfg.nimports; i++) {
		struct import *im = &cfg.imports[i];
		const char *from;

		v = json_array_get(a, i);
		s = jstr(v, "name");
		from = jstr(v, "from");
		if (!s || !*s || strlen(s) >= MBOX_NAME_MAX || !from ||
		    !host_ok(from)) {
			logmsg(LOG_ERR, "%s: imports[%zu]: needs \"name\" and \"from\" (a host)",
			       path, i);
			return -1;
		}
		snprintf(im->name, sizeof(im->name), "%s", s);
		snprintf(im->from, sizeof(im->from), "%s", from);
		to_hex(im->hex, im->name);
		im->proxy = -1;
		pthread_mutex_init(&im->lock, NULL);
		pthread_mutex_init(&im->fail_lock, NULL);
		pthread_rwlock_init(&im->fd_lock, NULL);
	}
	/* The strings stay referenced by cfg: the document lives on. */
	return 0;
}

/* -------------------------------------------------------------- NATS */

static int nats_check(natsStatus s, jsErrCode jerr, const char *what)
{
	if (s == NATS_OK)
		return 0;
	logmsg(LOG_ERR, "%s: %s (js error %d)", what, natsStatus_GetText(s),
	       (int)jerr);
	return -1;
}

/*
 * Connects once without retrying, so that refused credentials or a failed
 * TLS handshake end the bridge with the server's reason rather than a
 * silent retry loop; only servers not up yet (no server answered) are
 * retried in the background, as before.
 */
static natsStatus connect_first(natsOptions *o)
{
	const char *why;
	natsStatus s, last;

	s = natsConnection_Connect(&nc, o);
	if (s == NATS_OK)
		return s;
	why = nats_GetLastError(&last);
	if (s != NATS_NO_SERVER) {
		logmsg(LOG_ERR, "connect refused: %s%s%s", natsStatus_GetText(s),
		       why && *why ? ": " : "", why ? why : "");
		return s;
	}
	logmsg(LOG_NOTICE, "no NATS server answers yet: retrying");
	s = natsOptions_SetRetryOnFailedConnect(o, true, NULL, NULL);
	if (s == NATS_OK)
		s = natsConnection_Connect(&nc, o);
	return s;
}

static int connect_nats(void)
{
	natsOptions *o;
	natsStatus s;

	s = natsOptions_Create(&o);
	if (s == NATS_OK)
		s = natsOptions_SetServers(o, cfg.servers, cfg.nservers);
	if (s == NATS_OK)
		s = natsOptions_SetName(o, cfg.host);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, 250);
	if (s == NATS_OK)
		s = natsOptions_SetSendAsap(o, true);
	if (s == NATS_OK && cfg.user)
		s = natsOptions_SetUserInfo(o, cfg.user, cfg.password);
	if (s == NATS_OK && cfg.creds)
		s = natsOptions_SetUserCredentialsFromFiles(o, cfg.creds, NULL);
	if (s == NATS_OK && cfg.nkey)
		s = natsOptions_SetNKeyFromSeed(o, cfg.nkey, cfg.nkey_seed);
	if (s == NATS_OK && cfg.tls)
		s = natsOptions_SetSecure(o, true);
	if (s == NATS_OK && cfg.tls_ca)
		s = natsOptions_LoadCATrustedCertificates(o, cfg.tls_ca);
	if (s == NATS_OK && cfg.tls_cert)
		s = natsOptions_LoadCertificatesChain(o, cfg.tls_cert, cfg.tls_key);
	if (s == NATS_OK)
		s = connect_first(o);
	natsOptions_Destroy(o);
	if (s == NATS_NOT_YET_CONNECTED)
		s = NATS_OK;
	if (nats_check(s, 0, "connect"))
		return -1;
	return nats_check(natsConnection_JetStream(&js, nc, NULL), 0, "jetstream");
}

static int open_bucket(kvStore **kv, const char *bucket, int history)
{
	natsStatus s = NATS_ERR;
	kvConfig kc;
	int tries;

	for (tries = 0; tries < 120 && !stopping; tries++) {
		s = js_KeyValue(kv, js, bucket);
		if (s == NATS_OK)
			return 0;
		kvConfig_Init(&kc);
		kc.Bucket = bucket;
		kc.History = (uint8_t)history;
		kc.Replicas = cfg.replicas;
		kc.StorageType = cfg.memory ? js_MemoryStorage : js_FileStorage;
		s = js_CreateKeyValue(kv, js, &kc);
		if (s == NATS_OK)
			return 0;
		logmsg(LOG_DEBUG, "bucket %s: %s; retrying", bucket,
		       natsStatus_GetText(s));
		sleep_ms(500);
	}
	logmsg(LOG_ERR, "bucket %s: %s", bucket, natsStatus_GetText(s));
	return -1;
}

static void kv_key(char *out, size_t size, const char *host, const char *hex)
{
	snprintf(out, size, "%s.%s", host, hex);
}

/* ------------------------------------------------------------ export */

static void msg_origin(char *out, size_t size, int32_t pid, uint32_t uid)
{
	snprintf(out, size, "%s:%d:%u", cfg.host, pid, uid);
}

static uint32_t header_u32(natsMsg *m, const char *key, uint32_t def)
{
	const char *v;

	if (natsMsgHeader_Get(m, key, &v) != NATS_OK)
		return def;
	return (uint32_t)strtoul(v, NULL, 10);
}

/* Whether the module takes MBOX_MSG_ORIGIN, and this process may give it. */
static atomic_bool can_vouch;

static bool export_allows(const struct export *e, const char *host)
{
	json_t *h;
	size_t j;

	json_array_foreach(e->allow, j, h)
		if (!strcmp(json_string_value(h), host))
			return true;
	return false;
}

/*
 * The origin this exporter vouches for: the importing bridge's word in
 * Mbox-Origin ("host:pid:uid"), taken only if well formed and if the host
 * is one of the export's "allow" hosts - those the NATS permissions let
 * publish to this export's subjects (see mboxbridge.8, Sender identity).
 */
static bool msg_vouch(const struct export *e, natsMsg *m,
		      struct mbox_origin *o)
{
	char host[64], tail;
	const char *v;
	long long pid;
	unsigned long long uid;

	if (!e->allow || !atomic_load(&can_vouch) ||
	    natsMsgHeader_Get(m, H_ORIGIN, &v) != NATS_OK)
		return false;
	if (sscanf(v, "%63[A-Za-z0-9_-]:%lld:%llu%c", host, &pid, &uid,
		   &tail) != 3 || pid < 0 || pid > INT32_MAX ||
	    uid > UINT32_MAX || !export_allows(e, host))
		return false;
	o->host = host_id(host);
	o->pid = (int32_t)pid;
	o->uid = (uint32_t)uid;
	return true;
}

/* Sends @snd, vouching if msg_vouch() said so and the kernel lets us. */
static int deliver_send(struct export *e, struct mbox_send *snd)
{
	int err = mbox_sendx(e->fd, snd);

	if (err == -EPERM && (snd->flags & MBOX_MSG_ORIGIN)) {
		logmsg(LOG_WARNING, "no CAP_NET_ADMIN: origins are not vouched for");
		atomic_store(&can_vouch, false);
		snd->flags &= ~(uint32_t)MBOX_MSG_ORIGIN;
		memset(&snd->origin, 0, sizeof(snd->origin));
		err = mbox_sendx(e->fd, snd);
	}
	return err;
}

/*
 * One delivery into the real mailbox, waiting at most @wait_ms: 0 or
 * -errno from the send.
 */
static int deliver(struct export *e, natsMsg *m, int wait_ms)
{
	struct mbox_send snd;
	struct timespec dl;
	int err;

	memset(&snd, 0, sizeof(snd));
	snd.buf = (uintptr_t)natsMsg_GetData(m);
	snd.len = (uint32_t)natsMsg_GetDataLength(m);
	snd.priority = header_u32(m, H_PRIO, 0);
	snd.type = header_u32(m, H_TYPE, 0);
	if (snd.priority > MBOX_PRIO_MAX)
		snd.priority = MBOX_PRIO_MAX;
	if (wait_ms >= 0) {
		mbox_deadline_in(&dl, (uint64_t)wait_ms * 1000000ULL);
		snd.flags = MBOX_MSG_TIMEOUT;
		snd.timeout_ns = (uint64_t)dl.tv_sec * 1000000000ULL +
				 (uint64_t)dl.tv_nsec;
	}
	if (msg_vouch(e, m, &snd.origin))
		snd.flags |= MBOX_MSG_ORIGIN;
	err = deliver_send(e, &snd);
	if (err == 0 && cfg.verbose > 1) {
		const char *o = "?";

		natsMsgHeader_Get(m, H_ORIGIN, &o);
		logmsg(LOG_DEBUG, "%s: delivered from %s", e->name, o);
	}
	return err;
}

/* The ZERO export's handler: one request, one rendezvous, one reply. */
static void zero_handler(natsConnection *c, natsSubscription *sub,
			 natsMsg *m, void *arg)
{
	struct export *e = arg;
	char status[16];
	natsMsg *reply = NULL;
	int wait_ms, err = -EPIPE;

	(void)sub;
	wait_ms = (int)header_u32(m, H_WAIT_MS, (uint32_t)cfg.zero_timeout_ms);
	pthread_mutex_lock(&e->lock);
	if (e->fd >= 0)
		err = deliver(e, m, wait_ms);
	pthread_mutex_unlock(&e->lock);
	if (err == -EMSGSIZE || err == -EINVAL)
		err = -EPIPE;
	snprintf(status, sizeof(status), "%d", err);
	if (natsMsg_GetReply(m) &&
	    natsMsg_Create(&reply, natsMsg_GetReply(m), NULL, NULL, 0) == NATS_OK) {
		natsMsgHeader_Set(reply, H_STATUS, status);
		natsConnection_PublishMsg(c, reply);
		natsMsg_Destroy(reply);
	}
	natsMsg_Destroy(m);
}

static int export_record(struct export *e)
{
	char key[SUBJ_MAX], val[256];
	uint64_t rev;
	int n;

	n = snprintf(val, sizeof(val),
		     "{\"capacity_mode\":%u,\"capacity\":%u,\"msg_size\":%u,\"flags\":%u,\"mode\":%u,\"id\":%" PRIu64 "}",
		     e->info.capacity_mode, e->info.capacity, e->info.msg_size,
		     e->info.flags & (uint32_t)MBOX_CREATE_FIXED_SIZE, e->info.mode,
		     (uint64_t)e->info.id);
	kv_key(key, sizeof(key), cfg.host, e->hex);
	return nats_check(kvStore_Put(&rev, kv_exports, key, val, n), 0,
			  "export record");
}

static void export_withdraw(struct export *e, const char *stream)
{
	char key[SUBJ_MAX];
	jsErrCode jerr = 0;

	kv_key(key, sizeof(key), cfg.host, e->hex);
	kvStore_Delete(kv_exports, key);
	/*
	 * Messages not delivered die with the owner, as queued messages do
	 * locally; the next owner of the name starts empty.
	 */
	if (stream)
		js_PurgeStream(js, stream, NULL, &jerr);
	pthread_mutex_lock(&e->lock);
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	pthread_mutex_unlock(&e->lock);
	logmsg(LOG_NOTICE, "%s: export withdrawn", e->name);
}

static bool owner_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLPRI };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLHUP | POLLERR));
}

static int setup_stream(struct export *e, const char *stream,
			const char *subj)
{
	jsStreamConfig sc;
	jsStreamInfo *si = NULL;
	jsErrCode jerr = 0;
	natsStatus s;

	jsStreamConfig_Init(&sc);
	sc.Name = stream;
	sc.Subjects = &subj;
	sc.SubjectsLen = 1;
	sc.Retention = js_WorkQueuePolicy;
	sc.Discard = js_DiscardNew;
	sc.MaxMsgs = e->info.capacity_mode == MBOX_CAPACITY_BOUNDED ?
		     (int64_t)e->info.capacity : (int64_t)cfg.unbounded_limit;
	/* Headers count too: leave room for ours. */
	sc.MaxMsgSize = (int32_t)e->info.msg_size + 1024;
	/* UNBOUNDED: room for a pack (import_pack()). */
	if (e->info.capacity_mode == MBOX_CAPACITY_UNBOUNDED &&
	    sc.MaxMsgSize < PACK_BYTES + 1024)
		sc.MaxMsgSize = PACK_BYTES + 1024;
	sc.Storage = cfg.memory ? js_MemoryStorage : js_FileStorage;
	sc.Replicas = cfg.replicas;
	sc.Duplicates = 120LL * 1000000000LL;
	s = js_AddStream(&si, js, &sc, NULL, &jerr);
	if (s != NATS_OK)
		s = js_UpdateStream(&si, js, &sc, NULL, &jerr);
	if (si)
		jsStreamInfo_Destroy(si);
	return nats_check(s, jerr, stream);
}

static uint64_t load_delivered(const char *key)
{
	kvEntry *ent = NULL;
	uint64_t seq = 0;
	char buf[32];
	int n;

	if (kvStore_Get(&ent, kv_delivered, key) == NATS_OK) {
		n = kvEntry_ValueLen(ent);
		if (n > 0 && n < (int)sizeof(buf)) {
			memcpy(buf, kvEntry_Value(ent), n);
			buf[n] = '\0';
			seq = strtoull(buf, NULL, 10);
		}
		kvEntry_Destroy(ent);
	}
	return seq;
}

/* An async record was not stored: the batch's end puts it synchronously. */
static void record_err(jsCtx *ctx, jsPubAckErr *pae, void *closure)
{
	struct export *e = closure;

	(void)ctx;
	(void)pae;
	atomic_store(&e->record_failed, true);
}

/*
 * Records stream sequence @seq as delivered: a publish to the KV bucket's
 * subject, whose answer the batch's js_PublishAsyncComplete() waits for.
 */
static void record_async(struct export *e, const char *dkey, uint64_t seq)
{
	char subj[SUBJ_MAX + 32], val[32];
	jsPubOptions po;
	int n;

	snprintf(subj, sizeof(subj), "$KV.mbox_delivered.%s", dkey);
	n = snprintf(val, sizeof(val), "%" PRIu64, seq);
	jsPubOptions_Init(&po);
	po.MaxWait = 5000;
	if (js_PublishAsync(e->js, subj, val, n, &po) != NATS_OK)
		atomic_store(&e->record_failed, true);
}

/*
 * Delivers one message of a pack, as its own stream message would be
 * (deliver() reads the same headers): 0, -EPIPE (the owner is gone) or
 * -EINVAL (a malformed record: the rest of the pack with it, logged).
 */
static int deliver_packed(struct export *e, natsMsg *pm, const char **pos,
			  const char *end)
{
	struct pack_rec rec;
	char num[32], origin[128];
	natsMsg *m = NULL;
	int err;

	if ((size_t)(end - *pos) < sizeof(rec))
		return -EINVAL;
	memcpy(&rec, *pos, sizeof(rec));
	rec.len = le32toh(rec.len);
	rec.priority = le32toh(rec.priority);
	rec.type = le32toh(rec.type);
	rec.origin_len = le32toh(rec.origin_len);
	rec.seq = le64toh(rec.seq);
	if (rec.origin_len >= sizeof(origin) ||
	    (uint64_t)(end - *pos) < sizeof(rec) + (uint64_t)rec.origin_len + rec.len)
		return -EINVAL;
	*pos += sizeof(rec);
	memcpy(origin, *pos, rec.origin_len);
	origin[rec.origin_len] = '\0';
	*pos += rec.origin_len;
	if (natsMsg_Create(&m, natsMsg_GetSubject(pm), NULL, *pos,
			   (int)rec.len) != NATS_OK)
		return -ENOMEM;
	*pos += rec.len;
	snprintf(num, sizeof(num), "%u", rec.priority);
	natsMsgHeader_Set(m, H_PRIO, num);
	snprintf(num, sizeof(num), "%u", rec.type);
	natsMsgHeader_Set(m, H_TYPE, num);
	natsMsgHeader_Set(m, H_ORIGIN, origin);
	snprintf(num, sizeof(num), "%" PRIu64, rec.seq);
	natsMsgHeader_Set(m, H_SEQ, num);
	for (;;) {
		err = deliver(e, m, 500);
		if (err != -ETIMEDOUT)
			break;
		if (owner_gone(e->fd) || stopping) {
			err = -EPIPE;
			break;
		}
		natsMsg_InProgress(pm, NULL);
	}
	natsMsg_Destroy(m);
	if (err && err != -EPIPE)
		logmsg(LOG_WARNING, "%s: packed seq %" PRIu64 " dropped: %s",
		       e->name, rec.seq, strerror(-err));
	return err == -EPIPE ? err : 0;
}

/*
 * Delivers one stream message into the mailbox and records it, without
 * acking it: the number of messages delivered (a pack holds several; ack
 * it once recorded), 0 nothing to deliver (ack it), or -EPIPE: the owner
 * is gone; this message and the rest stay unacked and are purged with the
 * export.
 */
static int export_one(struct export *e, natsMsg *m)
{
	jsMsgMetaData *meta = NULL;
	const char *pos, *end;
	uint64_t seq;
	int err, n = 1;

	if (natsMsg_GetMetaData(&meta, m) != NATS_OK)
		return -EINVAL;
	seq = meta->Sequence.Stream;
	jsMsgMetaData_Destroy(meta);
	/*
	 * Delivered before a crash (at or below the record found at the
	 * start) or by this process (a lost ack): only the ack is due.  A
	 * message below the last delivery that this process never delivered
	 * comes late (a redelivery after AckWait of one a fetch lost): it is
	 * delivered now, out of stream order, rather than lost.
	 */
	if (seq <= e->floor ||
	    (seq <= e->delivered && e->recent[seq % RECENT] == seq))
		return 0;
	if (seq < e->delivered)
		logmsg(LOG_WARNING, "%s: stream seq %" PRIu64 " came after %" PRIu64 ": delivered out of order",
		       e->name, seq, e->delivered);
	if (natsMsgHeader_Get(m, H_PACK, &pos) == NATS_OK) {
		/*
		 * In the pack's order; an owner gone midway withdraws the
		 * export and purges the stream, the rest of the pack with it.
		 */
		pos = natsMsg_GetData(m);
		end = pos + natsMsg_GetDataLength(m);
		err = 0;
		for (n = 0; pos < end && !err; n++)
			err = deliver_packed(e, m, &pos, end);
		if (err == -EPIPE)
			return err;
		if (err)
			logmsg(LOG_ERR, "%s: stream seq %" PRIu64 ": malformed pack, rest dropped",
			       e->name, seq);
		goto delivered;
	}
	for (;;) {
		err = deliver(e, m, 500);
		if (err != -ETIMEDOUT)
			break;
		if (owner_gone(e->fd) || stopping)
			return -EPIPE;
		natsMsg_InProgress(m, NULL);
	}
	if (err == -EPIPE)
		return err;
	if (err)
		logmsg(LOG_WARNING, "%s: stream seq %" PRIu64 " dropped: %s",
		       e->name, seq, strerror(-err));
delivered:
	e->recent[seq % RECENT] = seq;
	if (seq > e->delivered)
		e->delivered = seq;
	return n;
}

/*
 * Delivers a fetched batch, then records the highest stream sequence
 * delivered (one record and one round trip per batch, not per message)
 * and only then acks the batch.  So what is acked is recorded and never
 * delivered again; an exporter crash can deliver again only what it
 * delivered since the last record - at most one batch (mboxbridge.8).
 */
static int export_batch(struct export *e, natsMsgList *list, const char *dkey)
{
	char val[32];
	uint64_t rev;
	uint64_t before = e->delivered;
	int i, n, done, err = 0, since = 0;

	for (done = 0; done < list->Count; done++) {
		err = export_one(e, list->Msgs[done]);
		if (err < 0 && err != -EINVAL)
			break;
		/*
		 * Packs: recorded (not yet acked) every FETCH_BATCH -
		 * PACK_MAX messages, so that a crash still redelivers fewer
		 * than FETCH_BATCH messages, as without packs.
		 */
		since += err > 0 ? err : 0;
		if (since >= FETCH_BATCH - PACK_MAX) {
			record_async(e, dkey, e->delivered);
			if (js_PublishAsyncComplete(e->js, NULL) != NATS_OK)
				atomic_store(&e->record_failed, true);
			since = 0;
		}
		err = 0;
	}
	if (e->delivered != before)
		record_async(e, dkey, e->delivered);
	if (js_PublishAsyncComplete(e->js, NULL) != NATS_OK ||
	    atomic_exchange(&e->record_failed, false)) {
		n = snprintf(val, sizeof(val), "%" PRIu64, e->delivered);
		while (kvStore_Put(&rev, kv_delivered, dkey, val, n) != NATS_OK &&
		       !stopping)
			sleep_ms(100);
	}
	for (i = 0; i < done; i++)
		natsMsg_Ack(list->Msgs[i], NULL);
	return err;
}

static void *export_thread(void *arg)
{
	struct export *e = arg;
	char subj[SUBJ_MAX], stream[SUBJ_MAX], dkey[SUBJ_MAX];
	natsSubscription *sub = NULL;
	jsErrCode jerr = 0;
	natsMsgList list;
	jsOptions jo;
	natsStatus s;
	int fd;

	e->recent = calloc(RECENT, sizeof(*e->recent));
	if (!e->recent)
		return NULL;
	jsOptions_Init(&jo);
	jo.PublishAsync.ErrHandler = record_err;
	jo.PublishAsync.ErrHandlerClosure = e;
	jo.PublishAsync.MaxPending = FETCH_BATCH;
	if (nats_check(natsConnection_JetStream(&e->js, nc, &jo), 0, "jetstream"))
		return NULL;
	snprintf(stream, sizeof(stream), "MBOX_%s_%s", cfg.host, e->hex);
	kv_key(dkey, sizeof(dkey), cfg.host, e->hex);
	while (!stopping) {
		fd = mbox_open_name(e->name, O_CLOEXEC, NULL);
		if (fd < 0) {
			sleep_ms(250);
			continue;
		}
		if (mbox_info(fd, &e->info) || mbox_watch(fd) ||
		    (e->info.flags & MBOX_CREATE_PROXY)) {
			/* Never re-export a proxy: that would loop. */
			close(fd);
			sleep_ms(1000);
			continue;
		}
		pthread_mutex_lock(&e->lock);
		e->fd = fd;
		pthread_mutex_unlock(&e->lock);

		if (e->info.capacity_mode == MBOX_CAPACITY_ZERO) {
			snprintf(subj, sizeof(subj), "mbox.z.%s.%s", cfg.host,
				 e->hex);
			s = natsConnection_QueueSubscribe(&sub, nc, subj, "x",
							  zero_handler, e);
			if (nats_check(s, 0, subj))
				goto withdraw;
		} else {
			jsSubOptions so;

			snprintf(subj, sizeof(subj), "mbox.q.%s.%s", cfg.host,
				 e->hex);
			if (setup_stream(e, stream, subj))
				goto withdraw;
			e->delivered = load_delivered(dkey);
			e->floor = e->delivered;
			/*
			 * A consumer left by an exporter that died holds its
			 * unacked batch back until AckWait and serves newer
			 * messages first: one at or below the record would then
			 * be taken for delivered.  A new consumer serves what is
			 * left in stream order (the work queue keeps it).
			 */
			js_DeleteConsumer(js, stream, "exporter", NULL, &jerr);
			jerr = 0;
			jsSubOptions_Init(&so);
			so.Stream = stream;
			so.Config.AckWait = 5LL * 1000000000LL;
			so.Config.MaxAckPending = FETCH_BATCH;
			s = js_PullSubscribe(&sub, js, subj, "exporter", NULL, &so,
					     &jerr);
			if (nats_check(s, jerr, "pull subscribe"))
				goto withdraw;
		}
		if (export_record(e))
			goto withdraw;
		logmsg(LOG_NOTICE, "%s: exported (capacity mode %u)", e->name,
		       e->info.capacity_mode);

		while (!stopping && !owner_gone(fd)) {
			if (e->info.capacity_mode == MBOX_CAPACITY_ZERO) {
				struct pollfd p = { .fd = fd, .events = POLLPRI };

				poll(&p, 1, 200);
				continue;
			}
			memset(&list, 0, sizeof(list));
			s = natsSubscription_Fetch(&list, sub, FETCH_BATCH, 200,
						   &jerr);
			if (s != NATS_OK)
				continue;
			export_batch(e, &list, dkey);
			natsMsgList_Destroy(&list);
		}
withdraw:
		if (sub) {
			natsSubscription_Unsubscribe(sub);
			natsSubscription_Destroy(sub);
			sub = NULL;
		}
		if (stopping) {
			/* A clean stop keeps the export: the owner is alive. */
			pthread_mutex_lock(&e->lock);
			close(e->fd);
			e->fd = -1;
			pthread_mutex_unlock(&e->lock);
			break;
		}
		export_withdraw(e, e->info.capacity_mode ==
				   MBOX_CAPACITY_ZERO ? NULL : stream);
		sleep_ms(250);
	}
	return NULL;
}

/* ------------------------------------------------------------ import */

struct zero_req {
	struct import *im;
	uint64_t token;
	int wait_ms;		/* what the held sender still waits */
	natsMsg *msg;
};

static void import_complete(struct import *im, uint64_t token, int status)
{
	struct mbox_complete c;

	memset(&c, 0, sizeof(c));
	c.token = token;
	c.status = status;
	pthread_rwlock_rdlock(&im->fd_lock);
	if (im->proxy >= 0 && ioctl(im->proxy, MBOX_IOC_COMPLETE, &c) &&
	    errno != ENOENT)
		logmsg(LOG_WARNING, "%s: complete: %m", im->name);
	pthread_rwlock_unlock(&im->fd_lock);
}

static void *zero_req_thread(void *arg)
{
	struct zero_req *r = arg;
	natsMsg *reply = NULL;
	const char *st;
	natsStatus s;
	int status;

	/* The exporter gives up at wait_ms: its answer needs a moment more. */
	s = natsConnection_RequestMsg(&reply, nc, r->msg, r->wait_ms + 500);
	if (s == NATS_OK && natsMsgHeader_Get(reply, H_STATUS, &st) == NATS_OK)
		status = atoi(st);
	else if (s == NATS_NO_RESPONDERS)
		status = -EPIPE;
	else if (s == NATS_TIMEOUT)
		status = -ETIMEDOUT;
	else
		status = -EHOSTUNREACH;
	if (status > 0 || status < -4095)
		status = -EPIPE;
	import_complete(r->im, r->token, status);
	atomic_fetch_sub(&r->im->held, 1);
	natsMsg_Destroy(reply);
	natsMsg_Destroy(r->msg);
	free(r);
	return NULL;
}

static natsMsg *make_msg(const char *subj, const void *data, uint32_t len,
			 const struct mbox_recv *r)
{
	char num[32], origin[96];
	natsMsg *m = NULL;

	if (natsMsg_Create(&m, subj, NULL, data, (int)len) != NATS_OK)
		return NULL;
	snprintf(num, sizeof(num), "%u", r->priority);
	natsMsgHeader_Set(m, H_PRIO, num);
	snprintf(num, sizeof(num), "%u", r->type);
	natsMsgHeader_Set(m, H_TYPE, num);
	msg_origin(origin, sizeof(origin), r->sender_pid, r->sender_uid);
	natsMsgHeader_Set(m, H_ORIGIN, origin);
	snprintf(num, sizeof(num), "%" PRIu64, (uint64_t)r->seq);
	natsMsgHeader_Set(m, H_SEQ, num);
	return m;
}

/* Appends one record to @pack at @off; the new end. */
static size_t pack_put(char *pack, size_t off, const void *data, uint32_t len,
		       uint32_t prio, uint32_t type, int32_t pid, uint32_t uid,
		       uint64_t seq)
{
	struct pack_rec rec = {
		.len = htole32(len), .priority = htole32(prio),
		.type = htole32(type), .seq = htole64(seq),
	};
	char origin[96];
	uint32_t origin_len;

	msg_origin(origin, sizeof(origin), pid, uid);
	origin_len = (uint32_t)strlen(origin);
	rec.origin_len = htole32(origin_len);
	memcpy(pack + off, &rec, sizeof(rec));
	off += sizeof(rec);
	memcpy(pack + off, origin, origin_len);
	off += origin_len;
	memcpy(pack + off, data, len);
	return off + len;
}

/*
 * UNBOUNDED: with @r received, takes what else the proxy holds now (never
 * waiting) and packs it all into one stream message, in the proxy's order;
 * NULL when nothing more was there (the message goes alone).  What is taken
 * here is published as surely as a single message: same window, same
 * redo, its Nats-Msg-Id from the first message's sequence number.
 */
static natsMsg *import_pack(struct import *im, const struct mbox_create *c,
			    const char *subj, const void *buf,
			    const struct mbox_recv *r, char *space)
{
	static _Thread_local struct mbox_msgvec vec[PACK_MAX - 1];
	size_t rec_max = sizeof(struct pack_rec) + 96 + c->msg_size;
	struct mbox_batch b;
	char *pack, num[32];
	natsMsg *m = NULL;
	size_t off;
	int i, n;

	if (rec_max > PACK_BYTES / 2)
		return NULL;
	n = (int)((PACK_BYTES - rec_max) / rec_max);
	if (n > PACK_MAX - 1)
		n = PACK_MAX - 1;
	memset(vec, 0, sizeof(vec));
	for (i = 0; i < n; i++) {
		vec[i].buf = (uintptr_t)(space + (size_t)i * c->msg_size);
		vec[i].len = c->msg_size;
	}
	memset(&b, 0, sizeof(b));
	b.vec = (uintptr_t)vec;
	b.count = (uint32_t)n;
	b.flags = MBOX_MSG_NONBLOCK;
	n = ioctl(im->proxy, MBOX_IOC_RECV_BATCH, &b);
	if (n <= 0)
		return NULL;
	pack = malloc((size_t)(n + 1) * rec_max);
	if (!pack) {
		/* Taken from the proxy: never dropped silently. */
		logmsg(LOG_ERR, "%s: out of memory: %d messages lost", im->name, n);
		return NULL;
	}
	off = pack_put(pack, 0, buf, r->msg_len, r->priority, r->type,
		       r->sender_pid, r->sender_uid, r->seq);
	for (i = 0; i < n; i++)
		off = pack_put(pack, off, (void *)(uintptr_t)vec[i].buf,
			       vec[i].msg_len, vec[i].priority, vec[i].type,
			       vec[i].sender_pid, vec[i].sender_uid, vec[i].seq);
	if (natsMsg_Create(&m, subj, NULL, pack, (int)off) == NATS_OK) {
		snprintf(num, sizeof(num), "%d", n + 1);
		natsMsgHeader_Set(m, H_PACK, num);
		snprintf(num, sizeof(num), "%" PRIu64, (uint64_t)r->seq);
		natsMsgHeader_Set(m, H_SEQ, num);
	} else {
		logmsg(LOG_ERR, "%s: out of memory: %d messages lost", im->name,
		       n + 1);
	}
	free(pack);
	return m;
}

static int create_proxy(struct import *im, struct mbox_create *c)
{
	json_error_t jerr;
	json_t *o;
	int fd, dev;

	pthread_mutex_lock(&im->lock);
	o = json_loads(im->attrs, 0, &jerr);
	pthread_mutex_unlock(&im->lock);
	if (!o)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->capacity_mode = (uint32_t)jint(o, "capacity_mode", 0);
	c->capacity = (uint32_t)jint(o, "capacity", 0);
	c->msg_size = (uint32_t)jint(o, "msg_size", 0);
	c->flags = MBOX_CREATE_PROXY |
		   ((uint32_t)jint(o, "flags", 0) & (uint32_t)MBOX_CREATE_FIXED_SIZE);
	c->mode = (uint32_t)jint(o, "mode", 0600) & 0777;
	c->fd_flags = O_CLOEXEC;
	c->name = (uintptr_t)im->name;
	json_decref(o);
	dev = mbox_device_fd();
	if (dev < 0)
		return dev;
	fd = ioctl(dev, MBOX_IOC_CREATE, c);
	return fd < 0 ? -errno : fd;
}

/* Publishes one message, retrying with the same id until stored. */
static int publish_retry(struct import *im, natsMsg *m, const char *msgid,
			 unsigned int gen)
{
	jsPubOptions po;
	jsErrCode jerr;
	jsPubAck *ack;
	natsStatus s;
	int delay = 2;

	jsPubOptions_Init(&po);
	po.MsgId = msgid;
	po.MaxWait = 2000;
	for (;;) {
		ack = NULL;
		jerr = 0;
		s = js_PublishMsg(&ack, im->js, m, &po, &jerr);
		if (ack)
			jsPubAck_Destroy(ack);
		if (s == NATS_OK)
			return 0;
		if (atomic_load(&im->gen) != gen || stopping)
			return -EPIPE;
		/* Full (back-pressure), leader election, link down: wait. */
		logmsg(LOG_DEBUG, "%s: publish %s: %s (%d); retrying", im->name,
		       msgid, natsStatus_GetText(s), (int)jerr);
		sleep_ms(delay);
		if (delay < 200)
			delay *= 2;
	}
}

/* An async publish failed (or timed out): kept to be redone in order. */
static void pub_err(jsCtx *ctx, jsPubAckErr *pae, void *closure)
{
	struct import *im = closure;
	natsMsg **a;

	(void)ctx;
	pthread_mutex_lock(&im->fail_lock);
	if (im->nfailed == im->failed_size) {
		a = realloc(im->failed, (im->failed_size + PUB_WINDOW) * sizeof(*a));
		if (!a) {
			/* Cannot happen in practice; never silently. */
			logmsg(LOG_ERR, "%s: out of memory: a message is lost",
			       im->name);
			pthread_mutex_unlock(&im->fail_lock);
			return;
		}
		im->failed = a;
		im->failed_size += PUB_WINDOW;
	}
	im->failed[im->nfailed++] = pae->Msg;
	pae->Msg = NULL;	/* ours now */
	pthread_mutex_unlock(&im->fail_lock);
	logmsg(LOG_DEBUG, "%s: async publish: %s (%d); to redo", im->name,
	       natsStatus_GetText(pae->Err), (int)pae->ErrCode);
}

static uint64_t msg_seq(natsMsg *m)
{
	const char *v;

	if (natsMsgHeader_Get(m, H_SEQ, &v) != NATS_OK)
		return 0;
	return strtoull(v, NULL, 10);
}

static int cmp_seq(const void *a, const void *b)
{
	uint64_t x = msg_seq(*(natsMsg * const *)a);
	uint64_t y = msg_seq(*(natsMsg * const *)b);

	return x < y ? -1 : x > y;
}

/*
 * Waits until every async publish of @im is answered, then redoes the
 * failed ones synchronously in the proxy's order (each with its own
 * Nats-Msg-Id, so a publish that was stored after all is not stored
 * twice).  Returns -EPIPE if the import ended meanwhile.
 */
static int import_flush(struct import *im, unsigned int gen)
{
	natsMsg **redo;
	int i, n, err = 0;
	char id[300];
	const char *v;

	while (js_PublishAsyncComplete(im->js, NULL) != NATS_OK && !stopping)
		;
	pthread_mutex_lock(&im->fail_lock);
	redo = im->failed;
	n = im->nfailed;
	im->failed = NULL;
	im->nfailed = im->failed_size = 0;
	pthread_mutex_unlock(&im->fail_lock);
	qsort(redo, n, sizeof(*redo), cmp_seq);
	for (i = 0; i < n; i++) {
		/* Copied: setting the header again frees the old value. */
		if (!err &&
		    natsMsgHeader_Get(redo[i], "Nats-Msg-Id", &v) == NATS_OK) {
			snprintf(id, sizeof(id), "%s", v);
			err = publish_retry(im, redo[i], id, gen);
		}
		natsMsg_Destroy(redo[i]);
	}
	free(redo);
	return err;
}

/*
 * Publishes without waiting for the store's answer, at most the window
 * in flight; a failure is redone in order by import_flush() before any
 * later message is published.  A later message already in flight when an
 * earlier one failed may be stored first: the one reordering across hosts
 * (mboxbridge.8), counted by nothing but the receiver's order.
 */
static int publish_async(struct import *im, natsMsg *m, const char *msgid,
			 unsigned int gen)
{
	jsPubOptions po;
	natsStatus s;
	bool failed;
	int err;


	pthread_mutex_lock(&im->fail_lock);
	failed = im->nfailed;
	pthread_mutex_unlock(&im->fail_lock);
	if (failed && import_flush(im, gen))
		return -EPIPE;
	jsPubOptions_Init(&po);
	po.MsgId = msgid;
	po.MaxWait = 5000;
	s = js_PublishMsgAsync(im->js, &m, &po);
	if (s == NATS_OK || !m)
		return s == NATS_OK ? 0 : import_flush(im, gen);
	/* Still ours: after what is in flight, synchronously. */
	err = import_flush(im, gen);
	if (!err)
		err = publish_retry(im, m, msgid, gen);
	natsMsg_Destroy(m);
	return err;
}

/*
 * How long the remote side may take for a held sender: what the sender
 * still waits (MBOX_FEAT_HOLD_DEADLINE), capped by zero_timeout_ms, which
 * is also the wait of a sender without a deadline or on an older module.
 */
static int hold_wait_ms(const struct mbox_recv *r)
{
	uint64_t ms;

	if (!r->hold_ns)
		return cfg.zero_timeout_ms;
	ms = r->hold_ns / 1000000;
	if (ms > (uint64_t)cfg.zero_timeout_ms)
		return cfg.zero_timeout_ms;
	return ms ? (int)ms : 1;
}

static bool import_current(struct import *im, unsigned int gen)
{
	return atomic_load(&im->available) && atomic_load(&im->gen) == gen &&
	       !stopping;
}

static void import_run(struct import *im, const struct mbox_create *c,
		       unsigned int gen)
{
	char subj[SUBJ_MAX], msgid[300], wait[16];
	char *buf = malloc(c->msg_size ? c->msg_size : 1);
	bool zero = c->capacity_mode == MBOX_CAPACITY_ZERO;
	int window = c->capacity_mode == MBOX_CAPACITY_UNBOUNDED ? PUB_WINDOW : 1;
	char *space = window > 1 ? malloc((size_t)PACK_MAX * (c->msg_size ? c->msg_size : 1)) : NULL;
	struct timespec dl;
	struct mbox_recv r;
	pthread_t t;
	natsMsg *m;
	int err;

	snprintf(subj, sizeof(subj), "mbox.%c.%s.%s", zero ? 'z' : 'q',
		 im->from, im->hex);
	while (buf && import_current(im, gen)) {
		memset(&r, 0, sizeof(r));
		r.buf = (uintptr_t)buf;
		r.len = c->msg_size;
		r.flags = MBOX_MSG_TIMEOUT | (zero ? MBOX_RECV_HOLD : 0);
		mbox_deadline_in(&dl, 200 * 1000000ULL);
		r.timeout_ns = (uint64_t)dl.tv_sec * 1000000000ULL +
			       (uint64_t)dl.tv_nsec;
		err = mbox_recvx(im->proxy, &r);
		if (err == -ETIMEDOUT || err == -EINTR)
			continue;
		if (err) {
			logmsg(LOG_ERR, "%s: receive: %s", im->name,
			       strerror(-err));
			break;
		}
		m = space ? import_pack(im, c, subj, buf, &r, space) : NULL;
		if (m) {
			snprintf(msgid, sizeof(msgid), "%s-%" PRIx64 "-%s-%u-p%" PRIu64,
				 cfg.host, boot_id, im->hex, gen, (uint64_t)r.seq);
			publish_async(im, m, msgid, gen);
			continue;
		}
		m = make_msg(subj, buf, r.msg_len, &r);
		if (!m) {
			if (zero)
				import_complete(im, r.seq, -EAGAIN);
			continue;
		}
		if (zero) {
			struct zero_req *zr = calloc(1, sizeof(*zr));

			int wait_ms = hold_wait_ms(&r);

			snprintf(wait, sizeof(wait), "%d", wait_ms);
			natsMsgHeader_Set(m, H_WAIT_MS, wait);
			if (!zr) {
				natsMsg_Destroy(m);
				import_complete(im, r.seq, -EAGAIN);
				continue;
			}
			zr->im = im;
			zr->token = r.seq;
			zr->wait_ms = wait_ms;
			zr->msg = m;
			atomic_fetch_add(&im->held, 1);
			if (pthread_create(&t, NULL, zero_req_thread, zr)) {
				atomic_fetch_sub(&im->held, 1);
				natsMsg_Destroy(m);
				free(zr);
				import_complete(im, r.seq, -EAGAIN);
				continue;
			}
			pthread_detach(t);
			continue;
		}
		/* Unique per proxy incarnation and message: safe to retry. */
		snprintf(msgid, sizeof(msgid), "%s-%" PRIx64 "-%s-%u-%" PRIu64,
			 cfg.host, boot_id, im->hex, gen, (uint64_t)r.seq);
		if (window > 1) {
			publish_async(im, m, msgid, gen);
		} else {
			/* BOUNDED: one at a time, exact under a full stream. */
			publish_retry(im, m, msgid, gen);
			natsMsg_Destroy(m);
		}
	}
	/* Whatever is still unstored goes with the proxy's senders. */
	import_flush(im, gen + 1);
	free(space);
	free(buf);
}

static void *import_thread(void *arg)
{
	struct import *im = arg;
	struct mbox_create c;
	unsigned int gen;
	jsOptions jo;
	int fd;

	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = PUB_WINDOW;
	/*
	 * A full window waits for room as long as an answer may take: the
	 * default (200 ms) failed the publish on a slow cluster, and each
	 * failure drained the whole window before a synchronous retry.
	 */
	jo.PublishAsync.StallWait = 5000;
	jo.PublishAsync.ErrHandler = pub_err;
	jo.PublishAsync.ErrHandlerClosure = im;
	if (nats_check(natsConnection_JetStream(&im->js, nc, &jo), 0, "jetstream"))
		return NULL;

	while (!stopping) {
		gen = atomic_load(&im->gen);
		if (!atomic_load(&im->available)) {
			sleep_ms(20);
			continue;
		}
		fd = create_proxy(im, &c);
		if (fd < 0) {
			logmsg(LOG_WARNING, "%s: cannot create the proxy: %s",
			       im->name, strerror(-fd));
			sleep_ms(1000);
			continue;
		}
		pthread_rwlock_wrlock(&im->fd_lock);
		im->proxy = fd;
		pthread_rwlock_unlock(&im->fd_lock);
		logmsg(LOG_NOTICE, "%s: imported from %s (capacity mode %u)",
		       im->name, im->from, c.capacity_mode);
		import_run(im, &c, gen);
		/* Closing the proxy fails its senders with EPIPE, as owner death. */
		pthread_rwlock_wrlock(&im->fd_lock);
		close(im->proxy);
		im->proxy = -1;
		pthread_rwlock_unlock(&im->fd_lock);
		logmsg(LOG_NOTICE, "%s: proxy closed", im->name);
	}
	return NULL;
}

/* ------------------------------------------------- leases and records */

static void lease_refresh(void)
{
	char val[64];
	uint64_t rev;
	int n;

	n = snprintf(val, sizeof(val), "%" PRIu64, boot_id);
	if (kvStore_Put(&rev, kv_leases, cfg.host, val, n) != NATS_OK)
		logmsg(LOG_DEBUG, "lease refresh failed");
}

/*
 * An import is available while its export record exists, came from the
 * current export (same record), and the exporting host's lease was
 * refreshed within lease_ms, as measured by this host's clock.
 */
static void import_check(struct import *im)
{
	char key[SUBJ_MAX];
	kvEntry *ent = NULL;
	bool avail, lease_ok;
	natsStatus s;
	uint64_t rev;
	int n;

	s = kvStore_Get(&ent, kv_leases, im->from);
	if (s == NATS_OK) {
		rev = kvEntry_Revision(ent);
		kvEntry_Destroy(ent);
		if (rev != im->lease_rev) {
			im->lease_rev = rev;
			im->lease_seen_ms = mono_ms();
		}
	} else if (s != NATS_NOT_FOUND) {
		return;		/* cannot tell: keep the last verdict */
	}
	lease_ok = im->lease_rev && mono_ms() - im->lease_seen_ms <= cfg.lease_ms;

	kv_key(key, sizeof(key), im->from, im->hex);
	ent = NULL;
	s = kvStore_Get(&ent, kv_exports, key);
	if (s != NATS_OK && s != NATS_NOT_FOUND)
		return;
	avail = s == NATS_OK && lease_ok;
	if (s == NATS_OK) {
		n = kvEntry_ValueLen(ent);
		pthread_mutex_lock(&im->lock);
		if (n > 0 && n < (int)sizeof(im->attrs)) {
			if (strlen(im->attrs) != (size_t)n ||
			    memcmp(im->attrs, kvEntry_Value(ent), n))
				/* Another mailbox behind the name: new proxy. */
				atomic_fetch_add(&im->gen, 1);
			memcpy(im->attrs, kvEntry_Value(ent), n);
			im->attrs[n] = '\0';
		}
		pthread_mutex_unlock(&im->lock);
		kvEntry_Destroy(ent);
	}
	if (avail != atomic_load(&im->available)) {
		logmsg(LOG_NOTICE, "%s: %s %s", im->name,
		       avail ? "available from" : "lost", im->from);
		if (!avail)
			atomic_fetch_add(&im->gen, 1);
		atomic_store(&im->available, avail);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&stopping, true);
}

static void usage(void)
{
	fprintf(stderr, "usage: mboxbridge [-v] -c CONFIG\n"
		"       mboxbridge --host-id HOST\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = "/etc/mboxbridge.json";
	struct sigaction sa;
	int64_t next_lease = 0, step;
	struct mbox_version ver;
	int opt, i;

	if (argc == 3 && !strcmp(argv[1], "--host-id")) {
		if (!host_ok(argv[2]))
			usage();
		printf("0x%016" PRIx64 "\n", host_id(argv[2]));
		return 0;
	}
	while ((opt = getopt(argc, argv, "c:vh")) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'v':
			cfg.verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (load_config(path))
		return 1;
	atomic_store(&can_vouch, mbox_version(&ver) == 0 &&
		     (ver.features & MBOX_FEAT_ORIGIN));
	boot_id = mono_ns() ^ ((uint64_t)getpid() << 40) ^ (uint64_t)time(NULL);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (nats_Open(-1) != NATS_OK || connect_nats())
		return 1;
	if (open_bucket(&kv_leases, "mbox_leases", 1) ||
	    open_bucket(&kv_exports, "mbox_exports", 1) ||
	    open_bucket(&kv_delivered, "mbox_delivered", 1))
		return 1;
	lease_refresh();
	logmsg(LOG_NOTICE, "up: %d exports, %d imports, lease %d ms",
	       cfg.nexports, cfg.nimports, cfg.lease_ms);

	for (i = 0; i < cfg.nexports; i++)
		pthread_create(&cfg.exports[i].thread, NULL, export_thread,
			       &cfg.exports[i]);
	for (i = 0; i < cfg.nimports; i++)
		pthread_create(&cfg.imports[i].thread, NULL, import_thread,
			       &cfg.imports[i]);

	/* Refresh at a quarter of the lease, check imports every 100 ms. */
	step = cfg.lease_ms / 4;
	while (!stopping) {
		if (mono_ms() >= next_lease) {
			lease_refresh();
			next_lease = mono_ms() + step;
		}
		for (i = 0; i < cfg.nimports; i++)
			import_check(&cfg.imports[i]);
		sleep_ms(100);
	}
	for (i = 0; i < cfg.nexports; i++)
		pthread_join(cfg.exports[i].thread, NULL);
	for (i = 0; i < cfg.nimports; i++)
		pthread_join(cfg.imports[i].thread, NULL);
	/* A clean stop gives the lease up at once. */
	kvStore_Delete(kv_leases, cfg.host);
	kvStore_Destroy(kv_exports);
	kvStore_Destroy(kv_leases);
	kvStore_Destroy(kv_delivered);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	nats_Close();
	return 0;
}
