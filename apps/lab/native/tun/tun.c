/*
 * layersec TUN addon: a Linux TUN device (/dev/net/tun, TUNSETIFF with IFF_TUN | IFF_NO_PI, see the
 * kernel's Documentation/networking/tuntap.rst) driven from Node's event loop.
 *
 * The descriptor is non-blocking and watched with a libuv poll handle on the main loop: when it is
 * readable, up to READ_BATCH packets are read and handed to JavaScript in one call; when a write
 * found the device's queue full (EAGAIN), the handle also watches for writability and reports
 * "drain". JavaScript pauses reading when its queue is full (the kernel then drops at the device's
 * txqueuelen, as a NIC would), which is the back-pressure of the interface.
 *
 *   open(name) -> { fd, name }                 create (or attach to) the device
 *   watch(fd, callback) -> handle              callback(kind, payload): 'packets' with an array of
 *                                              ArrayBuffers, 'drain', or 'error' with a message
 *   setReading(handle, on)                     pause or resume reading
 *   write(handle, Uint8Array) -> true | false  false: EAGAIN, wait for 'drain'
 *   close(handle)                              stop watching and close the descriptor
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#define READ_BATCH 64
#define MAX_PACKET 65536

typedef struct {
  uv_poll_t poll;
  int fd;
  int reading;
  int want_write;
  int closed;
  /* The memory is freed once both the libuv handle is closed and the JS external is finalized,
   * whichever comes last: the external outlives close(). */
  int handle_closed;
  int finalized;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
} tun_t;

static unsigned char read_buffer[MAX_PACKET];

#define CHECK(call)                                                    \
  do {                                                                 \
    if ((call) != napi_ok) {                                           \
      napi_throw_error(env, NULL, "napi call failed: " #call);         \
      return NULL;                                                     \
    }                                                                  \
  } while (0)

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  napi_value code, msg, error;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  const char* name = err == EACCES || err == EPERM ? "EPERM" : err == ENOENT ? "ENOENT" : err == EBUSY ? "EBUSY" : "ETUN";
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_throw(env, error);
  return NULL;
}

/* open(name: string): { fd: number, name: string } */
static napi_value tun_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char name[IFNAMSIZ] = {0};
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "open(name): name must be a string");
    return NULL;
  }
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, "open /dev/net/tun", errno);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  memcpy(ifr.ifr_name, name, len < IFNAMSIZ ? len : IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "ioctl TUNSETIFF", err);
  }
  napi_value result, vfd, vname;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_int32(env, fd, &vfd));
  CHECK(napi_create_string_utf8(env, ifr.ifr_name, strnlen(ifr.ifr_name, IFNAMSIZ), &vname));
  CHECK(napi_set_named_property(env, result, "fd", vfd));
  CHECK(napi_set_named_property(env, result, "name", vname));
  return result;
}

static void call_js(tun_t* t, const char* kind, napi_value payload) {
  napi_env env = t->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value cb, recv, argv[2], ignored;
  if (napi_get_reference_value(env, t->callback, &cb) == napi_ok && cb != NULL) {
    napi_get_global(env, &recv); /* make_callback needs an object receiver */
    napi_create_string_utf8(env, kind, NAPI_AUTO_LENGTH, &argv[0]);
    if (payload == NULL) napi_get_undefined(env, &argv[1]);
    else argv[1] = payload;
    /* make_callback runs the microtasks the callback queued, as for any I/O callback. */
    if (napi_make_callback(env, t->context, recv, cb, 2, argv, &ignored) != napi_ok) {
      const napi_extended_error_info* e;
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value exc;
        napi_get_and_clear_last_exception(env, &exc);
        napi_fatal_exception(env, exc);
      } else if (napi_get_last_error_info(env, &e) == napi_ok) {
        (void)e;
      }
    }
  }
  napi_close_handle_scope(env, scope);
}

static void update_events(tun_t* t);

static void on_poll(uv_poll_t* handle, int status, int events) {
  tun_t* t = (tun_t*)handle->data;
  if (t->closed) return;
  napi_env env = t->env;
  if (status < 0) {
    napi_handle_scope scope;
    napi_open_handle_scope(env, &scope);
    napi_value msg;
    napi_create_string_utf8(env, uv_strerror(status), NAPI_AUTO_LENGTH, &msg);
    call_js(t, "error", msg);
    napi_close_handle_scope(env, scope);
    return;
  }
  if ((events & UV_WRITABLE) && t->want_write) {
    t->want_write = 0;
    update_events(t);
    call_js(t, "drain", NULL);
    if (t->closed) return;
  }
  if ((events & UV_READABLE) && t->reading) {
    napi_handle_scope scope;
    if (napi_open_handle_scope(env, &scope) != napi_ok) return;
    napi_value packets;
    napi_create_array(env, &packets);
    uint32_t count = 0;
    int failure = 0;
    while (count < READ_BATCH) {
      ssize_t n = read(t->fd, read_buffer, sizeof read_buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) failure = errno;
        break;
      }
      if (n == 0) break;
      void* data;
      napi_value ab;
      if (napi_create_arraybuffer(env, (size_t)n, &data, &ab) != napi_ok) break;
      memcpy(data, read_buffer, (size_t)n);
      napi_set_element(env, packets, count++, ab);
    }
    if (count > 0) call_js(t, "packets", packets);
    if (failure != 0 && !t->closed) {
      napi_value msg;
      napi_create_string_utf8(env, strerror(failure), NAPI_AUTO_LENGTH, &msg);
      call_js(t, "error", msg);
    }
    napi_close_handle_scope(env, scope);
  }
}

static void update_events(tun_t* t) {
  if (t->closed) return;
  int events = (t->reading ? UV_READABLE : 0) | (t->want_write ? UV_WRITABLE : 0);
  if (events == 0) uv_poll_stop(&t->poll);
  else uv_poll_start(&t->poll, events, on_poll);
}

static void on_closed(uv_handle_t* handle) {
  tun_t* t = (tun_t*)handle->data;
  t->handle_closed = 1;
  if (t->finalized) free(t);
}

static void release(tun_t* t) {
  if (t->closed) return;
  t->closed = 1;
  uv_poll_stop(&t->poll);
  close(t->fd);
  t->fd = -1;
  napi_delete_reference(t->env, t->callback);
  napi_async_destroy(t->env, t->context);
  uv_close((uv_handle_t*)&t->poll, on_closed);
}

static void finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  tun_t* t = (tun_t*)data;
  /* Reached only when JavaScript dropped an open device without close(): release it here. */
  if (!t->closed) release(t);
  t->finalized = 1;
  if (t->handle_closed) free(t);
}

static tun_t* handle_of(napi_env env, napi_value value) {
  void* data = NULL;
  if (napi_get_value_external(env, value, &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "not a TUN handle");
    return NULL;
  }
  tun_t* t = (tun_t*)data;
  if (t->closed) {
    napi_throw_error(env, "ECLOSED", "TUN device is closed");
    return NULL;
  }
  return t;
}

/* watch(fd: number, callback): handle */
static napi_value tun_watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "watch(fd, callback)");
    return NULL;
  }
  uv_loop_t* loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  tun_t* t = (tun_t*)calloc(1, sizeof *t);
  if (t == NULL) return throw_errno(env, "calloc", ENOMEM);
  t->fd = fd;
  t->env = env;
  t->poll.data = t;
  int rc = uv_poll_init(loop, &t->poll, fd);
  if (rc != 0) {
    free(t);
    napi_throw_error(env, NULL, uv_strerror(rc));
    return NULL;
  }
  napi_value resource, name;
  CHECK(napi_create_object(env, &resource));
  CHECK(napi_create_string_utf8(env, "layersec:tun", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, resource, name, &t->context));
  CHECK(napi_create_reference(env, argv[1], 1, &t->callback));
  t->reading = 1;
  update_events(t);
  napi_value external;
  CHECK(napi_create_external(env, t, finalize, NULL, &external));
  return external;
}

/* setReading(handle, on: boolean) */
static napi_value tun_set_reading(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tun_t* t = handle_of(env, argv[0]);
  if (t == NULL) return NULL;
  bool on = false;
  CHECK(napi_get_value_bool(env, argv[1], &on));
  t->reading = on ? 1 : 0;
  update_events(t);
  return NULL;
}

/* write(handle, packet: Uint8Array): boolean (false: the queue is full, wait for 'drain') */
static napi_value tun_write(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  tun_t* t = handle_of(env, argv[0]);
  if (t == NULL) return NULL;
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  napi_value ab;
  if (napi_get_typedarray_info(env, argv[1], &type, &length, &data, &ab, &offset) != napi_ok || type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "write(handle, packet): packet must be a Uint8Array");
    return NULL;
  }
  ssize_t n;
  do n = write(t->fd, data, length);
  while (n < 0 && errno == EINTR);
  napi_value result;
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      t->want_write = 1;
      update_events(t);
      CHECK(napi_get_boolean(env, false, &result));
      return result;
    }
    return throw_errno(env, "write to TUN device", errno);
  }
  CHECK(napi_get_boolean(env, true, &result));
  return result;
}

/* close(handle) */
static napi_value tun_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void* data = NULL;
  if (napi_get_value_external(env, argv[0], &data) != napi_ok || data == NULL) {
    napi_throw_type_error(env, NULL, "close(handle)");
    return NULL;
  }
  release((tun_t*)data);
  return NULL;
}

/* closeFd(fd): for a descriptor from open() that was never watched. */
static napi_value tun_close_fd(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  close(fd);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, tun_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"watch", NULL, tun_watch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setReading", NULL, tun_set_reading, NULL, NULL, NULL, napi_enumerable, NULL},
      {"write", NULL, tun_write, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, tun_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"closeFd", NULL, tun_close_fd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
