// runtime.cpp: the emulator process. It reads commands from stdin and
// answers on stdout (all integers little-endian):
//
//   'A' u64 size                -> u64 address            allocate
//   'F' u64 address             -> (nothing)              free
//   'W' u64 address u64 n bytes -> (nothing)              write
//   'R' u64 address u64 n       -> n bytes                read
//   'L' u32 len name u32 grid[3] u32 block[3] u32 shared
//       u32 n params            -> u8 ok, u32 len message launch
//
// Every command but 'L' answers a status byte first (0 = ok; otherwise a
// u32-length message follows and the command had no effect).
#include <ucontext.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <vector>

#include "emu.h"

namespace ember_emu {

enum State { Runnable, AtBlock, AtWarp, Done };

struct Fiber {
  ucontext_t ctx;
  dim3 tid;
  State state;
};

Fiber* current;
dim3 block_idx, block_dim, grid_dim;

static ucontext_t sched_ctx;
static std::vector<Fiber> fibers;
static std::vector<char*> stacks;
static const size_t stack_size = 256 * 1024;
static std::vector<unsigned char> slots;  // 8 bytes per thread for exchanges
static void (*entry_body)(void*);
static void* entry_ctx;

const dim3& thread_idx() { return current->tid; }

static int linear_id(const Fiber* f) { return (int)(f - fibers.data()); }

static void yield(State s) {
  current->state = s;
  swapcontext(&current->ctx, &sched_ctx);
}

void sync_block() { yield(AtBlock); }

// exchange is the warp shuffle: every lane posts its value, waits for the
// whole warp, reads its source lane, and waits again so no slot is
// overwritten early. mode 0: source = lane ^ x; 1: source = abs; 2: source =
// lane + x (its own value when out of range).
void exchange(const void* in, void* out, size_t size, int x, int abs, int mode) {
  const int id = linear_id(current), lane = id & 31, base = id & ~31;
  std::memcpy(&slots[8 * id], in, size);
  yield(AtWarp);
  int src = mode == 0 ? (lane ^ x) : mode == 1 ? (abs & 31) : (lane + x < 32 ? lane + x : lane);
  std::memcpy(out, &slots[8 * (base + src)], size);
  yield(AtWarp);
}

static void trampoline() {
  entry_body(entry_ctx);
  current->state = Done;
  swapcontext(&current->ctx, &sched_ctx);
}

// run_block runs every thread of the current block to completion.
static bool run_block(std::string& err) {
  const int n = (int)fibers.size();
  for (int i = 0; i < n; ++i) {
    Fiber& f = fibers[i];
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = stacks[i];
    f.ctx.uc_stack.ss_size = stack_size;
    f.ctx.uc_link = nullptr;
    makecontext(&f.ctx, trampoline, 0);
    f.state = Runnable;
  }
  for (;;) {
    for (int i = 0; i < n; ++i) {
      if (fibers[i].state != Runnable) continue;
      current = &fibers[i];
      swapcontext(&sched_ctx, &fibers[i].ctx);
    }
    // Everyone is at a barrier or done. Release complete warps first.
    bool released = false, any_block = false;
    for (int w = 0; w < n; w += 32) {
      int at_warp = 0, done = 0, at_block = 0;
      const int end = w + 32;
      for (int i = w; i < end; ++i) {
        State s = i < n ? fibers[i].state : Done;
        at_warp += s == AtWarp;
        done += s == Done;
        at_block += s == AtBlock;
      }
      if (at_warp > 0 && at_warp + done == 32) {
        if (done > 0) {
          err = "warp shuffle with lanes that have exited or do not exist (block size not a multiple of 32?)";
          return false;
        }
        for (int i = w; i < end; ++i) fibers[i].state = Runnable;
        released = true;
      }
      any_block |= at_block > 0;
    }
    if (released) continue;
    bool finished = true;
    for (int i = 0; i < n; ++i) finished &= fibers[i].state == Done;
    if (finished) return true;
    bool only_block = true;
    for (int i = 0; i < n; ++i) only_block &= fibers[i].state == AtBlock || fibers[i].state == Done;
    if (only_block && any_block) {
      for (int i = 0; i < n; ++i)
        if (fibers[i].state == AtBlock) fibers[i].state = Runnable;
      continue;
    }
    err = "deadlock: some threads wait at __syncthreads while others wait in a warp shuffle";
    return false;
  }
}

bool run_grid(void (*body)(void*), void* ctx, std::string& err) {
  const unsigned nthreads = block_dim.x * block_dim.y * block_dim.z;
  if (nthreads == 0 || nthreads > 1024) {
    err = "block of " + std::to_string(nthreads) + " threads";
    return false;
  }
  if (grid_dim.x == 0 || grid_dim.y == 0 || grid_dim.z == 0) {
    err = "empty grid";
    return false;
  }
  while (stacks.size() < nthreads) stacks.push_back(static_cast<char*>(std::malloc(stack_size)));
  fibers.assign(nthreads, Fiber());
  slots.assign(8 * ((nthreads + 31) & ~31u), 0);
  unsigned i = 0;
  for (unsigned z = 0; z < block_dim.z; ++z)
    for (unsigned y = 0; y < block_dim.y; ++y)
      for (unsigned x = 0; x < block_dim.x; ++x) fibers[i++].tid = dim3{x, y, z};
  entry_body = body;
  entry_ctx = ctx;
  for (unsigned bz = 0; bz < grid_dim.z; ++bz)
    for (unsigned by = 0; by < grid_dim.y; ++by)
      for (unsigned bx = 0; bx < grid_dim.x; ++bx) {
        block_idx = dim3{bx, by, bz};
        if (!run_block(err)) return false;
      }
  return true;
}

struct Kernel {
  void* fn;
  Thunk thunk;
};

static std::map<std::string, Kernel>& registry() {
  static std::map<std::string, Kernel> r;
  return r;
}

void register_kernel(const char* name, void* fn, Thunk thunk) { registry()[name] = Kernel{fn, thunk}; }

}  // namespace ember_emu

// ---- device memory with guard bytes --------------------------------------------

static const size_t guard = 64;
static const unsigned char guard_byte = 0xa5;
static std::map<unsigned long long, size_t> allocations;  // address -> size

// guards_intact checks every buffer's guard bytes after a launch, and
// restores them so that one faulty launch does not fail the next ones.
static bool guards_intact(std::string& err) {
  bool ok = true;
  for (auto& a : allocations) {
    unsigned char* p = reinterpret_cast<unsigned char*>(a.first);
    for (size_t i = 0; i < guard; ++i) {
      if (p[-(long)guard + (long)i] != guard_byte || p[a.second + i] != guard_byte) {
        if (ok) err = "a kernel wrote outside the " + std::to_string(a.second) + "-byte buffer at " + std::to_string(a.first);
        ok = false;
        break;
      }
    }
    std::memset(p - guard, guard_byte, guard);
    std::memset(p + a.second, guard_byte, guard);
  }
  return ok;
}

// Which buffer holds [p, p+n)?
static bool in_buffer(unsigned long long p, unsigned long long n) {
  auto it = allocations.upper_bound(p);
  if (it == allocations.begin()) return false;
  --it;
  return p >= it->first && p + n <= it->first + it->second;
}

// ---- protocol ------------------------------------------------------------------

static void read_exact(void* p, size_t n) {
  if (n && std::fread(p, 1, n, stdin) != n) std::exit(0);  // the test closed the pipe
}
template <class T> static T get() {
  T v;
  read_exact(&v, sizeof v);
  return v;
}
template <class T> static void put(T v) { std::fwrite(&v, sizeof v, 1, stdout); }
static void reply(bool ok, const std::string& msg) {
  put<unsigned char>(ok ? 0 : 1);
  if (!ok) {
    put<unsigned>((unsigned)msg.size());
    std::fwrite(msg.data(), 1, msg.size(), stdout);
  }
}

int main() {
  std::vector<unsigned char> buf;
  for (;;) {
    int op = std::fgetc(stdin);
    if (op == EOF) return 0;
    std::string err;
    switch (op) {
      case 'A': {
        const unsigned long long n = get<unsigned long long>();
        unsigned char* p = static_cast<unsigned char*>(std::aligned_alloc(256, ((n + 2 * guard + 255) / 256) * 256 + 256));
        if (!p) {
          reply(false, "out of memory");
          break;
        }
        // The buffer starts 256 bytes in, with guard bytes on both sides.
        unsigned char* b = p + 256;
        std::memset(b - guard, guard_byte, guard);
        std::memset(b, 0xcd, n);  // uninitialised memory is not zero
        std::memset(b + n, guard_byte, guard);
        allocations[reinterpret_cast<unsigned long long>(b)] = n;
        reply(true, "");
        put<unsigned long long>(reinterpret_cast<unsigned long long>(b));
        break;
      }
      case 'F': {
        const unsigned long long p = get<unsigned long long>();
        auto it = allocations.find(p);
        if (it == allocations.end()) {
          reply(false, "free of an address that was not allocated");
          break;
        }
        allocations.erase(it);
        std::free(reinterpret_cast<unsigned char*>(p) - 256);
        reply(true, "");
        break;
      }
      case 'W': {
        const unsigned long long p = get<unsigned long long>(), n = get<unsigned long long>();
        buf.resize(n);
        read_exact(buf.data(), n);
        if (!in_buffer(p, n)) {
          reply(false, "write outside any buffer");
          break;
        }
        std::memcpy(reinterpret_cast<void*>(p), buf.data(), n);
        reply(true, "");
        break;
      }
      case 'R': {
        const unsigned long long p = get<unsigned long long>(), n = get<unsigned long long>();
        if (!in_buffer(p, n)) {
          reply(false, "read outside any buffer");
          break;
        }
        reply(true, "");
        std::fwrite(reinterpret_cast<const void*>(p), 1, n, stdout);
        break;
      }
      case 'L': {
        const unsigned len = get<unsigned>();
        std::string name(len, '\0');
        read_exact(&name[0], len);
        unsigned g[3], b[3];
        for (auto& x : g) x = get<unsigned>();
        for (auto& x : b) x = get<unsigned>();
        get<unsigned>();  // dynamic shared memory: unused by the kernels so far
        const unsigned np = get<unsigned>();
        buf.resize(np);
        read_exact(buf.data(), np);
        auto it = ember_emu::registry().find(name);
        if (it == ember_emu::registry().end()) {
          reply(false, "no kernel registered as " + name);
          break;
        }
        ember_emu::grid_dim = dim3{g[0], g[1], g[2]};
        ember_emu::block_dim = dim3{b[0], b[1], b[2]};
        bool ok = it->second.thunk(it->second.fn, buf.data(), np, err) && guards_intact(err);
        reply(ok, name + ": " + err);
        break;
      }
      default:
        reply(false, "unknown command");
        return 1;
    }
    std::fflush(stdout);
  }
}
