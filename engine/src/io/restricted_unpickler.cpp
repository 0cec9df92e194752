// The restricted unpickler: an interpreter for the pickle opcodes torch.save emits, over an
// arena of inert values. Globals resolve to a fixed list of rebuilders implemented here; any
// other global is refused. Objects live in one flat arena and refer to each other by index, so
// hostile nesting or memo cycles can neither recurse deeply nor leak.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "checked_math.h"
#include "pixforge/io/torch_pickle.h"

namespace pixforge {

namespace {

constexpr std::size_t kMaxPickleBytes = 256u << 20;  // SD checkpoints' data.pkl is < 2 MB
constexpr std::size_t kMaxObjects = 4u << 20;        // ~150 B each; SD checkpoints need ~50k
constexpr std::size_t kMaxGlobalName = 256;
constexpr int kMaxDictDepth = 8;
constexpr std::size_t kMaxEntries = 1u << 20;  // state-dict entries; SD checkpoints have ~2k

enum class Kind : std::uint8_t {
  None,
  Bool,
  Int,
  Float,
  Str,
  Bytes,
  Tuple,
  List,
  Dict,
  Global,
  Storage,
  Tensor,
  Opaque
};

// What a global does when the pickle calls it (REDUCE / NEWOBJ).
enum class Callable : std::uint8_t {
  OrderedDict,       // collections.OrderedDict() -> empty dict
  RebuildTensor,     // torch._utils._rebuild_tensor_v2 -> tensor view of a storage
  RebuildParameter,  // torch._utils._rebuild_parameter* -> the wrapped tensor
  StorageType,       // torch.FloatStorage & co: only a tag inside persistent ids
  InertName,         // a class used only as a dict key (lightning callback records)
  InertCall,         // numpy scalar/dtype, _codecs.encode: result recorded as opaque, never run
};

using Ref = std::uint32_t;

struct Obj {
  Kind kind = Kind::None;
  std::int64_t i = 0;
  std::string s;           // Str / Bytes contents, Global name, Storage key
  std::vector<Ref> items;  // Tuple / List elements; Dict keys and values interleaved
  Callable callable = Callable::OrderedDict;
  DType dtype = DType::F32;
  bool f64 = false;
  std::uint64_t numel = 0;   // Storage
  Ref storage = 0;           // Tensor
  std::uint64_t offset = 0;  // Tensor
  std::vector<std::int64_t> size, stride;
};

struct GlobalRule {
  const char* module;
  const char* name;
  Callable callable;
  DType dtype;
  bool f64;
};

constexpr GlobalRule kAllowedGlobals[] = {
    {"collections", "OrderedDict", Callable::OrderedDict, DType::F32, false},
    {"torch._utils", "_rebuild_tensor_v2", Callable::RebuildTensor, DType::F32, false},
    {"torch._utils", "_rebuild_parameter", Callable::RebuildParameter, DType::F32, false},
    {"torch._utils", "_rebuild_parameter_with_state", Callable::RebuildParameter, DType::F32,
     false},
    {"torch", "FloatStorage", Callable::StorageType, DType::F32, false},
    {"torch", "HalfStorage", Callable::StorageType, DType::F16, false},
    {"torch", "BFloat16Storage", Callable::StorageType, DType::BF16, false},
    {"torch", "IntStorage", Callable::StorageType, DType::I32, false},
    {"torch", "LongStorage", Callable::StorageType, DType::I64, false},
    {"torch", "ByteStorage", Callable::StorageType, DType::U8, false},
    {"torch", "DoubleStorage", Callable::StorageType, DType::F32, true},
    {"pytorch_lightning.callbacks.model_checkpoint", "ModelCheckpoint", Callable::InertName,
     DType::F32, false},
    {"numpy.core.multiarray", "scalar", Callable::InertCall, DType::F32, false},
    {"numpy", "dtype", Callable::InertCall, DType::F32, false},
    {"_codecs", "encode", Callable::InertCall, DType::F32, false},
    {"torch", "Size", Callable::InertCall, DType::F32, false},
    {"torch", "device", Callable::InertCall, DType::F32, false},
};

// Names from the file go into error messages: keep them printable and short.
std::string printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 120)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

class Unpickler {
 public:
  Unpickler(std::span<const std::uint8_t> data, const std::string& origin)
      : d_(data), origin_(origin) {}

  std::vector<PickledTensor> run() {
    if (d_.size() > kMaxPickleBytes) fail("data.pkl larger than 256 MB");
    arena_.reserve(std::min<std::size_t>(d_.size() / 4 + 16, kMaxObjects));
    while (true) {
      const std::size_t at = pos_;
      const std::uint8_t op = byte();
      if (op == '.') break;
      step(op, at);
    }
    if (stack_.size() != 1) fail("pickle does not end with exactly one value");
    return collect(stack_.back());
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw ModelFormatError(origin_ + ": data.pkl: " + what);
  }

  // --- reading -----------------------------------------------------------------------------
  const std::uint8_t* take(std::uint64_t n) {
    if (n > d_.size() - pos_) fail("truncated at offset " + std::to_string(pos_));
    const std::uint8_t* p = d_.data() + pos_;
    pos_ += static_cast<std::size_t>(n);
    return p;
  }
  std::uint8_t byte() { return *take(1); }
  std::uint64_t uint_le(int n) {
    const std::uint8_t* p = take(static_cast<std::uint64_t>(n));
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  std::string text(std::uint64_t n) {
    const std::uint8_t* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  std::string line() {
    std::string s;
    while (true) {
      const char c = static_cast<char>(byte());
      if (c == '\n') return s;
      if (s.size() >= kMaxGlobalName) fail("global name too long");
      s += c;
    }
  }

  // --- the value stack -----------------------------------------------------------------------
  Ref make(Obj o) {
    if (arena_.size() >= kMaxObjects) fail("too many objects");
    arena_.push_back(std::move(o));
    return static_cast<Ref>(arena_.size() - 1);
  }
  Ref make(Kind k) {
    Obj o;
    o.kind = k;
    return make(std::move(o));
  }
  Ref make_int(std::int64_t v, Kind k = Kind::Int) {
    Obj o;
    o.kind = k;
    o.i = v;
    return make(std::move(o));
  }
  void push(Ref r) {
    if (stack_.size() >= kMaxObjects) fail("stack too deep");
    stack_.push_back(r);
  }
  Ref pop() {
    if (stack_.size() <= mark_floor()) fail("stack underflow");
    const Ref r = stack_.back();
    stack_.pop_back();
    return r;
  }
  Ref& top() {
    if (stack_.size() <= mark_floor()) fail("stack underflow");
    return stack_.back();
  }
  std::size_t mark_floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<Ref> pop_mark() {
    if (marks_.empty()) fail("missing MARK");
    const std::size_t m = marks_.back();
    marks_.pop_back();
    std::vector<Ref> items(stack_.begin() + static_cast<std::ptrdiff_t>(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  Obj& obj(Ref r) { return arena_[r]; }
  Obj& expect(Ref r, Kind k, const char* what) {
    if (arena_[r].kind != k) fail(std::string("expected ") + what);
    return arena_[r];
  }
  void memo_put(std::uint64_t key) {
    const Ref r = top();
    if (memo_.size() >= kMaxObjects) fail("memo too large");
    memo_[key] = r;
  }
  void memo_get(std::uint64_t key) {
    auto it = memo_.find(key);
    if (it == memo_.end()) fail("memo key " + std::to_string(key) + " not defined");
    push(it->second);
  }

  // --- opcodes -------------------------------------------------------------------------------
  void step(std::uint8_t op, std::size_t at);
  void op_global(const std::string& module, const std::string& name);
  void op_reduce();
  void op_newobj();
  void op_persistent_id();
  void op_tuple(std::size_t n);
  void op_setitems(std::vector<Ref> kv);
  void op_append(std::vector<Ref> values);
  Ref rebuild_tensor(const std::vector<Ref>& args);
  std::int64_t int_of(Ref r, const char* what);
  std::vector<std::int64_t> int_tuple(Ref r, const char* what);

  // --- the result ----------------------------------------------------------------------------
  std::vector<PickledTensor> collect(Ref root);
  void flatten(Ref dict, const std::string& prefix, int depth, std::vector<PickledTensor>* out);
  PickledTensor to_tensor(const Obj& t, std::string name);

  std::span<const std::uint8_t> d_;
  const std::string& origin_;
  std::size_t pos_ = 0;
  std::vector<Obj> arena_;
  std::vector<Ref> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Ref> memo_;
  std::size_t visited_ = 0;  // dict entries walked by flatten()
};

void Unpickler::step(std::uint8_t op, std::size_t at) {
  switch (op) {
    case 0x80: {  // PROTO
      if (byte() > 5) fail("unknown pickle protocol");
      return;
    }
    case 0x95:
      take(8);
      return;  // FRAME: a length hint only
    case '(':
      marks_.push_back(stack_.size());
      return;
    case '0':
      pop();
      return;
    case '1':
      pop_mark();
      return;
    case '2':
      push(top());
      return;
    case 'N':
      push(make(Kind::None));
      return;
    case 0x88:
      push(make_int(1, Kind::Bool));
      return;
    case 0x89:
      push(make_int(0, Kind::Bool));
      return;
    case 'J':
      push(make_int(static_cast<std::int32_t>(uint_le(4))));
      return;
    case 'K':
      push(make_int(static_cast<std::int64_t>(uint_le(1))));
      return;
    case 'M':
      push(make_int(static_cast<std::int64_t>(uint_le(2))));
      return;
    case 0x8a: {  // LONG1: little-endian two's complement, up to 8 bytes here
      const std::uint8_t n = byte();
      if (n > 8) fail("integer wider than 64 bits");
      std::uint64_t v = n ? uint_le(n) : 0;
      if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1u) v |= ~0ull << (8 * n);  // sign-extend
      push(make_int(static_cast<std::int64_t>(v)));
      return;
    }
    case 'G': {  // BINFLOAT (big-endian double)
      const std::uint8_t* p = take(8);
      std::uint64_t bits = 0;
      for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
      Obj o;
      o.kind = Kind::Float;
      std::memcpy(&o.i, &bits, 8);
      push(make(std::move(o)));
      return;
    }
    case 'X':
    case 'T':
    case 'B':
    case 'U':
    case 'C':
    case 0x8c:
    case 0x8d:
    case 0x8e: {
      const int width = (op == 'U' || op == 'C' || op == 0x8c) ? 1
                        : (op == 0x8d || op == 0x8e)           ? 8
                                                               : 4;
      Obj o;
      o.kind = (op == 'B' || op == 'C' || op == 0x8e) ? Kind::Bytes : Kind::Str;
      o.s = text(uint_le(width));
      push(make(std::move(o)));
      return;
    }
    case ')':
      push(make(Kind::Tuple));
      return;
    case 't':
      op_tuple(SIZE_MAX);
      return;
    case 0x85:
      op_tuple(1);
      return;
    case 0x86:
      op_tuple(2);
      return;
    case 0x87:
      op_tuple(3);
      return;
    case ']':
      push(make(Kind::List));
      return;
    case 'l': {
      auto items = pop_mark();
      Obj o;
      o.kind = Kind::List;
      o.items = std::move(items);
      push(make(std::move(o)));
      return;
    }
    case 'a': {
      const Ref v = pop();
      op_append({v});
      return;
    }
    case 'e':
      op_append(pop_mark());
      return;
    case '}':
      push(make(Kind::Dict));
      return;
    case 'd': {
      const Ref d = make(Kind::Dict);
      auto kv = pop_mark();
      push(d);
      op_setitems(std::move(kv));
      return;
    }
    case 's': {
      const Ref v = pop();
      const Ref k = pop();
      op_setitems({k, v});
      return;
    }
    case 'u':
      op_setitems(pop_mark());
      return;
    case 'c': {
      const std::string m = line();
      const std::string n = line();
      op_global(m, n);
      return;
    }
    case 0x93: {  // STACK_GLOBAL
      const Ref n = pop(), m = pop();
      const std::string module = expect(m, Kind::Str, "module name").s;
      const std::string name = expect(n, Kind::Str, "global name").s;
      op_global(module, name);
      return;
    }
    case 'R':
      op_reduce();
      return;
    case 0x81:
      op_newobj();
      return;
    case 'b':
      pop();
      top();
      return;  // BUILD: attribute state of an inert value; ignored
    case 'Q':
      op_persistent_id();
      return;
    case 'q':
      memo_put(uint_le(1));
      return;
    case 'r':
      memo_put(uint_le(4));
      return;
    case 0x94:
      memo_put(memo_.size());
      return;
    case 'h':
      memo_get(uint_le(1));
      return;
    case 'j':
      memo_get(uint_le(4));
      return;
    default: {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", op);
      fail(std::string("pickle opcode ") + hex + " at offset " + std::to_string(at) +
           " is not allowed (torch.save never emits it)");
    }
  }
}

void Unpickler::op_global(const std::string& module, const std::string& name) {
  for (const GlobalRule& g : kAllowedGlobals) {
    if (module == g.module && name == g.name) {
      Obj o;
      o.kind = Kind::Global;
      o.s = module + "." + name;
      o.callable = g.callable;
      o.dtype = g.dtype;
      o.f64 = g.f64;
      push(make(std::move(o)));
      return;
    }
  }
  fail("refusing global '" + printable(module) + "." + printable(name) +
       "': only tensor data is loaded from model files, no code in them ever runs");
}

void Unpickler::op_tuple(std::size_t n) {
  Obj o;
  o.kind = Kind::Tuple;
  if (n == SIZE_MAX) {
    o.items = pop_mark();
  } else {
    o.items.resize(n);
    for (std::size_t i = n; i-- > 0;) o.items[i] = pop();
  }
  push(make(std::move(o)));
}

void Unpickler::op_setitems(std::vector<Ref> kv) {
  if (kv.size() % 2) fail("SETITEMS with an odd number of values");
  Obj& d = obj(top());
  if (d.kind == Kind::Opaque) return;  // items of an inert object are dropped
  if (d.kind != Kind::Dict) fail("SETITEM on a value that is not a dict");
  d.items.insert(d.items.end(), kv.begin(), kv.end());
}

void Unpickler::op_append(std::vector<Ref> values) {
  Obj& l = obj(top());
  if (l.kind == Kind::Opaque) return;
  if (l.kind != Kind::List) fail("APPEND on a value that is not a list");
  l.items.insert(l.items.end(), values.begin(), values.end());
}

void Unpickler::op_reduce() {
  const Ref args_ref = pop();
  const Ref fn_ref = pop();
  const Obj& fn = expect(fn_ref, Kind::Global, "a callable global for REDUCE");
  const std::vector<Ref> args = expect(args_ref, Kind::Tuple, "an argument tuple for REDUCE").items;
  switch (fn.callable) {
    case Callable::OrderedDict:
      if (!args.empty()) fail("OrderedDict called with arguments");
      push(make(Kind::Dict));
      return;
    case Callable::RebuildTensor:
      push(rebuild_tensor(args));
      return;
    case Callable::RebuildParameter:
      if (args.empty() || obj(args[0]).kind != Kind::Tensor)
        fail("_rebuild_parameter without a tensor");
      push(args[0]);
      return;
    case Callable::InertCall:
      push(make(Kind::Opaque));
      return;
    case Callable::StorageType:
    case Callable::InertName:
      fail("calling '" + fn.s + "' is not allowed");
  }
}

void Unpickler::op_newobj() {
  const Ref args_ref = pop();
  const Ref cls_ref = pop();
  const Obj& cls = expect(cls_ref, Kind::Global, "a class for NEWOBJ");
  expect(args_ref, Kind::Tuple, "an argument tuple for NEWOBJ");
  if (cls.callable != Callable::InertCall) fail("instantiating '" + cls.s + "' is not allowed");
  push(make(Kind::Opaque));
}

// torch.save's persistent id: ("storage", <StorageType>, key, location, numel).
void Unpickler::op_persistent_id() {
  const Obj& pid = expect(pop(), Kind::Tuple, "a storage tuple as persistent id");
  if (pid.items.size() != 5) fail("persistent id is not a 5-tuple");
  if (obj(pid.items[0]).kind != Kind::Str || obj(pid.items[0]).s != "storage") {
    fail("persistent id is not a storage reference");
  }
  const Obj& type = expect(pid.items[1], Kind::Global, "a storage type");
  if (type.callable != Callable::StorageType) fail("'" + type.s + "' is not a storage type");
  Obj s;
  s.kind = Kind::Storage;
  s.dtype = type.dtype;
  s.f64 = type.f64;
  s.s = expect(pid.items[2], Kind::Str, "a storage key").s;
  const std::int64_t n = int_of(pid.items[4], "storage size");
  if (n < 0) fail("negative storage size");
  s.numel = static_cast<std::uint64_t>(n);
  push(make(std::move(s)));
}

std::int64_t Unpickler::int_of(Ref r, const char* what) {
  const Obj& o = obj(r);
  if (o.kind != Kind::Int && o.kind != Kind::Bool) fail(std::string(what) + " is not an integer");
  return o.i;
}

std::vector<std::int64_t> Unpickler::int_tuple(Ref r, const char* what) {
  const std::vector<Ref> items = expect(r, Kind::Tuple, what).items;
  if (items.size() > static_cast<std::size_t>(Shape::kMaxRank)) {
    fail(std::string(what) + " has rank above 6");
  }
  std::vector<std::int64_t> out;
  for (Ref i : items) out.push_back(int_of(i, what));
  return out;
}

// _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[,
// metadata])
Ref Unpickler::rebuild_tensor(const std::vector<Ref>& args) {
  if (args.size() < 6 || args.size() > 7) fail("_rebuild_tensor_v2 with a wrong argument count");
  expect(args[0], Kind::Storage, "a storage as tensor source");
  Obj t;
  t.kind = Kind::Tensor;
  t.storage = args[0];
  const std::int64_t off = int_of(args[1], "storage offset");
  if (off < 0) fail("negative storage offset");
  t.offset = static_cast<std::uint64_t>(off);
  t.size = int_tuple(args[2], "tensor size");
  t.stride = int_tuple(args[3], "tensor stride");
  if (t.size.size() != t.stride.size()) fail("tensor size and stride ranks differ");
  return make(std::move(t));
}

std::vector<PickledTensor> Unpickler::collect(Ref root) {
  if (obj(root).kind != Kind::Dict) fail("top-level value is not a dict of tensors");
  const Obj& top_dict = obj(root);
  for (std::size_t i = 0; i + 1 < top_dict.items.size(); i += 2) {
    const Obj& k = obj(top_dict.items[i]);
    if (k.kind == Kind::Str && k.s == "state_dict" &&
        obj(top_dict.items[i + 1]).kind == Kind::Dict) {
      root = top_dict.items[i + 1];
    }
  }
  std::vector<PickledTensor> out;
  flatten(root, "", 0, &out);
  return out;
}

void Unpickler::flatten(Ref dict, const std::string& prefix, int depth,
                        std::vector<PickledTensor>* out) {
  if (depth > kMaxDictDepth) fail("state dict nested too deeply");
  // Python keeps the last value of a repeated key: index by name, later entries win.
  std::unordered_map<std::string, Ref> latest;
  std::vector<std::string> order;
  const std::vector<Ref> items = obj(dict).items;
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
    const Obj& k = obj(items[i]);
    if (k.kind != Kind::Str) continue;  // e.g. a lightning callback class used as a key
    if (latest.insert_or_assign(k.s, items[i + 1]).second) order.push_back(k.s);
  }
  for (const std::string& key : order) {
    // Memo references let one dict appear under many keys at many levels; bound the walk so
    // a small hostile pickle cannot expand into an exponential number of entries.
    if (++visited_ > kMaxEntries) fail("state dict expands to too many entries");
    const Ref v = latest[key];
    const Obj& value = obj(v);
    if (value.kind == Kind::Tensor) {
      out->push_back(to_tensor(value, prefix + key));
    } else if (value.kind == Kind::Dict) {
      flatten(v, prefix + key + ".", depth + 1, out);
    }
  }
}

PickledTensor Unpickler::to_tensor(const Obj& t, std::string name) {
  const Obj& s = obj(t.storage);
  PickledTensor p;
  p.name = std::move(name);
  p.storage_key = s.s;
  p.dtype = s.dtype;
  p.storage_is_f64 = s.f64;
  p.storage_numel = s.numel;
  p.storage_offset = t.offset;
  for (std::size_t i = 0; i < t.size.size(); ++i) {
    if (t.size[i] < 0 || static_cast<std::uint64_t>(t.size[i]) > io::kMaxDim) {
      fail("tensor '" + printable(p.name) + "' has an absurd dimension");
    }
    if (t.stride[i] < 0) fail("tensor '" + printable(p.name) + "' has a negative stride");
    p.shape.push_back(t.size[i]);
  }
  p.stride = t.stride;
  return p;
}

}  // namespace

std::vector<PickledTensor> unpickle_state_dict(std::span<const std::uint8_t> pkl,
                                               const std::string& origin) {
  return Unpickler(pkl, origin).run();
}

}  // namespace pixforge
