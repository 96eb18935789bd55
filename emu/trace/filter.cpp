// The --trace-filter language (grammar in filter.h): a recursive-descent parser into a small
// node array, evaluated per record.
#include "emu/trace/filter.h"

#include <cctype>
#include <optional>

#include "mmu/mmu.h"

namespace trace {

namespace {

// `records`: also the names of single record kinds that only a filter takes (a --trace list
// selects a fault with its resolution and a call with its return, never one without the other).
bool kindFromName(const std::string& name, uint32_t& bits, bool records) {
  if (name == "all") {
    bits |= (1u << kKindCount) - 1;
    return true;
  }
  if (name == "pf") {  // a page fault and its resolution
    bits |=
        1u << static_cast<unsigned>(Kind::kPageFault) | 1u << static_cast<unsigned>(Kind::kResolve);
    return true;
  }
  if (name == "sys") {  // a system call and its return
    bits |=
        1u << static_cast<unsigned>(Kind::kSyscall) | 1u << static_cast<unsigned>(Kind::kSysReturn);
    return true;
  }
  for (unsigned k = 0; k < kKindCount; ++k) {
    Kind kind = static_cast<Kind>(k);
    if (name == kindName(kind) || (records && name == xray86::eventKindName(kind))) {
      bits |= 1u << k;
      return true;
    }
  }
  return false;
}

const char* kKindList =
    "pf, tlb, miss, cr3, exc, int, sys, io, insn, stale, missing-flush, halt, all";
const char* kFilterKindList =
    "pf, tlb, miss, cr3, exc, int, sys, io, insn, stale, missing-flush, halt, all, fault, "
    "resolve, syscall, sysret";
const char* kFieldList =
    "kind, cr3, asid, pid, parent, eip, cr2, addr, cpl, cycle, insns, vector, eax, repeat, writer, "
    "cpu";

// Tests without an operator: the #PF error-code classes (Intel SDM vol. 3A 4.7: bit 0 P, bit 1
// W/R, bit 2 U/S, bit 3 RSVD), spelled as the trace prints them (format.cpp, errorCodeText), and
// the ways a fault ends (resolutionName).
struct ClassWord {
  const char* name;
  Filter::Field field;
  uint32_t a, b;
};
constexpr ClassWord kClassWords[] = {
    {"not-present", Filter::Field::kErrorClass, mmu::ErrorCode::kPresent, 0},
    {"protection", Filter::Field::kErrorClass, mmu::ErrorCode::kPresent, mmu::ErrorCode::kPresent},
    {"read", Filter::Field::kErrorClass, mmu::ErrorCode::kWrite, 0},
    {"write", Filter::Field::kErrorClass, mmu::ErrorCode::kWrite, mmu::ErrorCode::kWrite},
    {"kernel", Filter::Field::kErrorClass, mmu::ErrorCode::kUser, 0},
    {"user", Filter::Field::kErrorClass, mmu::ErrorCode::kUser, mmu::ErrorCode::kUser},
    {"reserved", Filter::Field::kErrorClass, mmu::ErrorCode::kReserved, mmu::ErrorCode::kReserved},
    {"copied", Filter::Field::kResolution, static_cast<uint32_t>(Resolution::kCopied), 0},
    {"made-writable", Filter::Field::kResolution, static_cast<uint32_t>(Resolution::kMadeWritable),
     0},
    {"mapped", Filter::Field::kResolution, static_cast<uint32_t>(Resolution::kMapped), 0},
    {"unchanged", Filter::Field::kResolution, static_cast<uint32_t>(Resolution::kUnchanged), 0},
    {"killed", Filter::Field::kResolution, static_cast<uint32_t>(Resolution::kKilled), 0},
    {"unresolved", Filter::Field::kResolution, static_cast<uint32_t>(Resolution::kUnresolved), 0},
};

class Parser {
 public:
  Parser(const std::string& text, const SymbolTable& symbols, std::vector<Filter::Node>& nodes)
      : text_(text), symbols_(symbols), nodes_(nodes) {}

  int parseAll(std::string& error) {
    int root = parseOr();
    if (root >= 0 && peek().kind != Tok::kEnd) fail("unexpected '" + peek().text + "'");
    if (!error_.empty()) {
      error = "--trace-filter: column " + std::to_string(errorColumn_ + 1) + ": " + error_;
      return -1;
    }
    return root;
  }

 private:
  enum class Tok { kWord, kNumber, kOp, kEnd };
  struct Token {
    Tok kind;
    std::string text;
    size_t column;
  };

  Token lex() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    size_t start = pos_;
    if (pos_ >= text_.size()) return {Tok::kEnd, "end of expression", start};
    char c = text_[pos_];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      while (pos_ < text_.size() && std::isalnum(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      return {Tok::kNumber, text_.substr(start, pos_ - start), start};
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      while (pos_ < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_' ||
              text_[pos_] == '.' || text_[pos_] == '-')) {
        if (text_[pos_] == '.' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '.') break;
        ++pos_;
      }
      return {Tok::kWord, text_.substr(start, pos_ - start), start};
    }
    static const char* two[] = {"..", "<=", ">=", "!=", "&&", "||", "=="};
    for (const char* t : two) {
      if (text_.compare(pos_, 2, t) == 0) {
        pos_ += 2;
        return {Tok::kOp, t, start};
      }
    }
    if (std::string("=<>!(),").find(c) != std::string::npos) {
      ++pos_;
      return {Tok::kOp, std::string(1, c), start};
    }
    ++pos_;
    return {Tok::kOp, std::string(1, c), start};
  }
  const Token& peek() {
    if (!ahead_) ahead_ = lex();
    return *ahead_;
  }
  Token next() {
    Token t = peek();
    ahead_.reset();
    return t;
  }
  bool accept(const char* a, const char* b = nullptr) {
    const Token& t = peek();
    if (t.kind == Tok::kEnd) return false;
    if (t.text == a || (b != nullptr && t.text == b)) {
      next();
      return true;
    }
    return false;
  }
  int fail(const std::string& message) {
    if (error_.empty()) {
      error_ = message;
      errorColumn_ = peek().column;
    }
    return -1;
  }
  int add(Filter::Node n) {
    nodes_.push_back(n);
    return static_cast<int>(nodes_.size() - 1);
  }

  int parseOr() {
    int left = parseAnd();
    while (left >= 0 && accept("or", "||")) {
      int right = parseAnd();
      if (right < 0) return -1;
      left = add({Filter::Op::kOr, Filter::Field::kKind, 0, 0, left, right});
    }
    return left;
  }
  int parseAnd() {
    int left = parseUnary();
    while (left >= 0 && accept("and", "&&")) {
      int right = parseUnary();
      if (right < 0) return -1;
      left = add({Filter::Op::kAnd, Filter::Field::kKind, 0, 0, left, right});
    }
    return left;
  }
  // Parsing recurses once per 'not' or '(' and evaluation once per node: both are bounded, so
  // no expression can exhaust the host's stack (docs/reliability.md).
  static constexpr unsigned kMaxDepth = 64, kMaxNodes = 4096;
  int parseUnary() {
    if (depth_ >= kMaxDepth)
      return fail("nested deeper than " + std::to_string(kMaxDepth) + " ('not' and '(')");
    if (nodes_.size() >= kMaxNodes)
      return fail("more than " + std::to_string(kMaxNodes) + " terms and operators");
    ++depth_;
    int r = parseNested();
    --depth_;
    return r;
  }
  int parseNested() {
    if (accept("not", "!")) {
      int inner = parseUnary();
      if (inner < 0) return -1;
      return add({Filter::Op::kNot, Filter::Field::kKind, 0, 0, inner, -1});
    }
    if (accept("(")) {
      int inner = parseOr();
      if (inner < 0) return -1;
      if (!accept(")")) return fail("expected ')'");
      return inner;
    }
    return parseTest();
  }
  std::optional<uint64_t> number() {
    const Token& t = peek();
    if (t.kind != Tok::kNumber) return std::nullopt;
    const std::string& s = t.text;
    bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    uint64_t v = 0;
    for (size_t i = hex ? 2 : 0; i < s.size(); ++i) {
      char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i])));
      unsigned d;
      if (c >= '0' && c <= '9')
        d = static_cast<unsigned>(c - '0');
      else if (hex && c >= 'a' && c <= 'f')
        d = static_cast<unsigned>(c - 'a' + 10);
      else
        return std::nullopt;
      if (v > (~uint64_t{0} >> 4)) return std::nullopt;
      v = v * (hex ? 16 : 10) + d;
    }
    next();
    return v;
  }
  int parseTest() {
    Token field = peek();
    if (field.kind != Tok::kWord) {
      return fail(std::string("expected a field (") + kFieldList +
                  "), an error-code class, '(' or 'not'");
    }
    next();
    using F = Filter::Field;
    for (const ClassWord& w : kClassWords) {
      if (field.text == w.name) return add({Filter::Op::kEq, w.field, w.a, w.b, -1, -1});
    }
    // "child of N": the address spaces forked from asid N.
    if (field.text == "child") {
      if (!accept("of")) return fail("expected 'of' after 'child' (child of ASID)");
      auto v = number();
      if (!v) return fail("expected an asid (a number) after 'child of'");
      return add({Filter::Op::kEq, F::kParent, *v, 0, -1, -1});
    }
    F f;
    if (field.text == "kind")
      f = F::kKind;
    else if (field.text == "asid")
      f = F::kAsid;
    else if (field.text == "pid")
      f = F::kPid;
    else if (field.text == "parent")
      f = F::kParent;
    else if (field.text == "cr3")
      f = F::kCr3;
    else if (field.text == "eip")
      f = F::kEip;
    else if (field.text == "cr2")
      f = F::kCr2;
    else if (field.text == "addr")
      f = F::kAddr;
    else if (field.text == "cpl")
      f = F::kCpl;
    else if (field.text == "cpu")
      f = F::kCpu;
    else if (field.text == "cycle")
      f = F::kCycle;
    else if (field.text == "insns")
      f = F::kInsns;
    else if (field.text == "vector")
      f = F::kVector;
    else if (field.text == "eax")
      f = F::kEax;
    else if (field.text == "repeat")
      f = F::kRepeat;
    else if (field.text == "writer")
      f = F::kWriter;
    else {
      errorColumn_ = field.column;
      error_ = "unknown field '" + field.text + "' (" + kFieldList +
               "; or not-present, protection, read, write, kernel, user, reserved, copied, "
               "made-writable, mapped, "
               "unchanged, killed, unresolved)";
      return -1;
    }
    Token op = peek();
    // "asid 3", "pid 5", "parent 1": a number right after the word means equal to it.
    if ((f == F::kAsid || f == F::kPid || f == F::kParent) && op.kind == Tok::kNumber) {
      auto v = number();
      if (!v) return fail("expected a number (decimal or 0x hex)");
      return add({Filter::Op::kEq, f, *v, 0, -1, -1});
    }
    if (f == F::kKind) {
      bool ne = false;
      if (accept("=", "=="))
        ne = false;
      else if (accept("!="))
        ne = true;
      else
        return fail("expected '=' or '!=' after 'kind'");
      uint32_t bits = 0;
      do {
        const Token& k = peek();
        if (k.kind != Tok::kWord || !kindFromName(k.text, bits, true)) {
          return fail("unknown kind '" + k.text + "' (" + kFilterKindList + ")");
        }
        next();
      } while (accept(","));
      int test = add({Filter::Op::kIn, F::kKind, bits, 0, -1, -1});
      return ne ? add({Filter::Op::kNot, F::kKind, 0, 0, test, -1}) : test;
    }
    if (accept("in")) {
      if ((f == F::kEip || f == F::kWriter) && peek().kind == Tok::kWord) return symbolTest(f);
      auto lo = number();
      if (!lo) return fail("expected a number or NUMBER..NUMBER after 'in'");
      if (!accept("..")) return fail("expected '..' in a range");
      auto hi = number();
      if (!hi) return fail("expected a number after '..'");
      return add({Filter::Op::kIn, f, *lo, *hi, -1, -1});
    }
    Filter::Op o;
    if (accept("=", "=="))
      o = Filter::Op::kEq;
    else if (accept("!="))
      o = Filter::Op::kNe;
    else if (accept("<="))
      o = Filter::Op::kLe;
    else if (accept(">="))
      o = Filter::Op::kGe;
    else if (accept("<"))
      o = Filter::Op::kLt;
    else if (accept(">"))
      o = Filter::Op::kGt;
    else {
      (void)op;
      return fail("expected a comparison (= != < <= > >=) or 'in' after '" + field.text + "'");
    }
    if ((f == F::kEip || f == F::kWriter) && o == Filter::Op::kEq && peek().kind == Tok::kWord)
      return symbolTest(f);
    auto v = number();
    if (!v) return fail("expected a number (decimal or 0x hex)");
    if (f == F::kCr3) *v &= ~uint64_t{0xFFF};
    return add({o, f, *v, 0, -1, -1});
  }
  int symbolTest(Filter::Field field) {
    Token name = peek();
    auto s = symbols_.find(name.text);
    if (!s) return fail("no symbol '" + name.text + "' (load one with --symbols)");
    next();
    return add({Filter::Op::kIn, field, s->start, s->end, -1, -1});
  }

  const std::string& text_;
  const SymbolTable& symbols_;
  unsigned depth_ = 0;
  std::vector<Filter::Node>& nodes_;
  size_t pos_ = 0;
  std::optional<Token> ahead_;
  std::string error_;
  size_t errorColumn_ = 0;
};

}  // namespace

const char* resolutionName(Resolution r) {
  switch (r) {
    case Resolution::kCopied:
      return "copied";
    case Resolution::kMadeWritable:
      return "made-writable";
    case Resolution::kMapped:
      return "mapped";
    case Resolution::kUnchanged:
      return "unchanged";
    case Resolution::kKilled:
      return "killed";
    case Resolution::kUnresolved:
      return "unresolved";
  }
  return "?";
}

bool parseKindList(const std::string& text, uint32_t& kinds, std::string& error) {
  kinds = 0;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string name =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (name == "resolve" || name == "sysret" || !kindFromName(name, kinds, false)) {
      error = "--trace: unknown kind '" + name + "' (" + kKindList + ")";
      return false;
    }
    if (comma == std::string::npos) return true;
    start = comma + 1;
  }
}

std::unique_ptr<Filter> Filter::parse(const std::string& text, const SymbolTable& symbols,
                                      std::string& error) {
  auto f = std::make_unique<Filter>();
  Parser p(text, symbols, f->nodes_);
  f->root_ = p.parseAll(error);
  if (f->root_ < 0) {
    if (error.empty()) error = "--trace-filter: empty expression";
    return nullptr;
  }
  return f;
}

bool Filter::matches(const Record& r) const {
  return eval(root_, r);
}

uint32_t Filter::kinds() const {
  uint32_t bits = 0;
  for (unsigned k = 0; k < kKindCount; ++k) {
    if (possible(root_, k).first) bits |= 1u << k;
  }
  return bits;
}

std::pair<bool, bool> Filter::possible(int index, unsigned k) const {
  const Node& n = nodes_[static_cast<size_t>(index)];
  switch (n.op) {
    case Op::kAnd: {
      auto [lt, lf] = possible(n.left, k);
      auto [rt, rf] = possible(n.right, k);
      return {lt && rt, lf || rf};
    }
    case Op::kOr: {
      auto [lt, lf] = possible(n.left, k);
      auto [rt, rf] = possible(n.right, k);
      return {lt || rt, lf && rf};
    }
    case Op::kNot: {
      auto [t, f] = possible(n.left, k);
      return {f, t};
    }
    default:
      break;
  }
  if (n.field != Field::kKind) return {true, true};
  bool in = (n.a >> k) & 1;
  return {in, !in};
}

bool Filter::eval(int index, const Record& r) const {
  const Node& n = nodes_[static_cast<size_t>(index)];
  switch (n.op) {
    case Op::kAnd:
      return eval(n.left, r) && eval(n.right, r);
    case Op::kOr:
      return eval(n.left, r) || eval(n.right, r);
    case Op::kNot:
      return !eval(n.left, r);
    default:
      break;
  }
  uint64_t v = 0;
  switch (n.field) {
    case Field::kKind:
      return (n.a >> static_cast<unsigned>(r.kind)) & 1;
    case Field::kCr3:
      v = r.ctx.cr3 & ~uint32_t{0xFFF};
      break;
    case Field::kAsid:
      if (r.asid == 0) return false;
      v = r.asid;
      break;
    case Field::kPid:
      if (r.pid < 0) return false;
      v = static_cast<uint64_t>(r.pid);
      break;
    case Field::kParent:
      if (r.parent == 0) return false;
      v = r.parent;
      break;
    case Field::kEip:
      v = r.ctx.eip;
      break;
    case Field::kCpl:
      v = r.ctx.cpl;
      break;
    case Field::kCpu:
      v = r.ctx.cpu;
      break;
    case Field::kCycle:
      v = r.ctx.cycle;
      break;
    case Field::kInsns:
      v = r.ctx.instructions;
      break;
    case Field::kCr2:
      if (r.kind != Kind::kPageFault && r.kind != Kind::kResolve) return false;
      v = r.address;
      break;
    case Field::kAddr:
      if (r.kind == Kind::kException || r.kind == Kind::kInterrupt || r.kind == Kind::kSyscall ||
          r.kind == Kind::kInsn || r.kind == Kind::kSysReturn || r.kind == Kind::kHalt ||
          (r.kind == Kind::kTlbFlush && r.flushKind != mmu::FlushKind::kInvlpg)) {
        return false;
      }
      v = r.address;
      break;
    case Field::kVector:
      if (r.kind != Kind::kException && r.kind != Kind::kInterrupt && r.kind != Kind::kSyscall &&
          r.kind != Kind::kSysReturn) {
        return false;
      }
      v = r.vector;
      break;
    case Field::kEax:
      if (r.kind != Kind::kSyscall && r.kind != Kind::kSysReturn) return false;
      v = r.eax;
      break;
    case Field::kRepeat:
      if (r.kind != Kind::kPageFault) return false;
      v = r.repeat;
      break;
    case Field::kWriter:
      if (r.kind != Kind::kMissingFlush) return false;
      v = r.writeEip;
      break;
    case Field::kErrorClass:
      if (r.kind != Kind::kPageFault && r.kind != Kind::kResolve) return false;
      return (r.errorCode & n.a) == n.b;
    case Field::kResolution:
      return r.kind == Kind::kResolve && static_cast<uint64_t>(r.resolution) == n.a;
  }
  switch (n.op) {
    case Op::kEq:
      return v == n.a;
    case Op::kNe:
      return v != n.a;
    case Op::kLt:
      return v < n.a;
    case Op::kLe:
      return v <= n.a;
    case Op::kGt:
      return v > n.a;
    case Op::kGe:
      return v >= n.a;
    case Op::kIn:
      return v >= n.a && v < n.b;
    default:
      return false;
  }
}

}  // namespace trace
