// The view's options, the headless pictures and the interactive window.
#include "emu/view/view_cli.h"

#include <SDL.h>
#include <fmt/core.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <sstream>

#include "emu/view/render.h"
#include "emu/view/session.h"

namespace view {

namespace {

// Instructions run between two drawings; the last level runs until the frame time is up.
constexpr uint64_t kSpeeds[] = {1, 10, 100, 1000, 10'000, 100'000, 1'000'000, 0};
constexpr unsigned kSpeedCount = sizeof kSpeeds / sizeof kSpeeds[0];
constexpr auto kFrame = std::chrono::milliseconds(33);  // at most 30 drawings a second

std::string speedText(unsigned i) {
  return kSpeeds[i] ? fmt::format("{} insn/frame", kSpeeds[i]) : "full";
}

bool parseSize(const std::string& s, int& w, int& h) {
  int n = 0;
  char tail = 0;
  if (std::sscanf(s.c_str(), "%dx%d%n%c", &w, &h, &n, &tail) != 2) return false;
  return w >= 320 && h >= 200 && w <= 8192 && h <= 8192;
}

std::string outcomeText(const Session& s) {
  return s.finished() ? "finished: " + s.outcome()->message : "";
}

// The end of a run under the view, as runMachineCli ends one: the trace session's output and
// summary, the summary line, and the exit status (the guest's own for the built-in guest).
int finish(Session& s, const emu::MachineCli& pc, trace::TraceSession& traced) {
  using Kind = emu::Machine::Outcome::Kind;
  emu::Machine& m = s.machine();
  if (!s.finished()) {
    traced.finish(m, {Kind::kStopped, 0, "view closed"});
    std::fflush(stdout);
    if (!pc.quiet) {
      std::fprintf(stderr, "xray86: view closed at cycle %llu; %s\n",
                   static_cast<unsigned long long>(m.cpu().cycles()), m.summary().c_str());
    }
    return 0;
  }
  const emu::Machine::Outcome& r = *s.outcome();
  traced.finish(m, r);
  std::fflush(stdout);
  bool abnormal = r.kind == Kind::kHalted || r.kind == Kind::kTripleFault || r.kind == Kind::kUnsupported;
  if (!pc.quiet || abnormal) std::fprintf(stderr, "xray86: %s; %s\n", r.message.c_str(), m.summary().c_str());
  if (pc.guestExitValue && r.kind == Kind::kGuestExit && (r.status & 1)) return r.status >> 1;
  return r.status;
}

// SDL key codes for the names --view-keys takes.
SDL_Keycode keyNamed(const std::string& k) {
  if (k == "space") return SDLK_SPACE;
  if (k == "right") return SDLK_RIGHT;
  if (k == "left") return SDLK_LEFT;
  if (k == "up") return SDLK_UP;
  if (k == "down") return SDLK_DOWN;
  if (k == "pgup") return SDLK_PAGEUP;
  if (k == "pgdn") return SDLK_PAGEDOWN;
  if (k == "esc") return SDLK_ESCAPE;
  if (k == "f12") return SDLK_F12;
  if (k == "plus") return SDLK_PLUS;
  if (k == "minus") return SDLK_MINUS;
  if (k.size() == 1) return static_cast<SDL_Keycode>(k[0]);
  return SDLK_UNKNOWN;
}

class Window {
 public:
  Window(Session& s, const emu::MachineCli& pc, const ViewCli& cli) : s_(s), pc_(pc), cli_(cli) {}
  ~Window() {
    if (view_) view_.reset();
    if (renderer_) SDL_DestroyRenderer(renderer_);
    if (window_) SDL_DestroyWindow(window_);
    if (inited_) SDL_QuitSubSystem(SDL_INIT_VIDEO);
  }

  bool open(int w, int h, std::string& error) {
    if (SDL_InitSubSystem(SDL_INIT_VIDEO) != 0) {
      error = std::string("cannot open a window (") + SDL_GetError() +
              "); --view-png FILE --view-at WHEN draws pictures without a display";
      return false;
    }
    inited_ = true;
    // With no display SDL falls back to its offscreen driver: a window nobody sees, waiting for
    // keys nobody presses. Only an explicit SDL_VIDEODRIVER (scripted --view-keys runs) may use it.
    const char* driver = SDL_GetCurrentVideoDriver();
    if (driver && (std::string(driver) == "offscreen" || std::string(driver) == "dummy") &&
        !SDL_getenv("SDL_VIDEODRIVER")) {
      error = "no display to open a window on (set DISPLAY); --view-png FILE --view-at WHEN draws pictures without one";
      return false;
    }
    window_ = SDL_CreateWindow("xray86 view", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h,
                               SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
    if (!window_) {
      error = std::string("cannot open a window: ") + SDL_GetError();
      return false;
    }
    renderer_ = SDL_CreateRenderer(window_, -1, 0);
    if (!renderer_) renderer_ = SDL_CreateRenderer(window_, -1, SDL_RENDERER_SOFTWARE);
    if (!renderer_) {
      error = std::string("cannot draw in the window: ") + SDL_GetError();
      return false;
    }
    view_ = std::make_unique<Renderer>(renderer_);
    if (!view_->ok(error)) return false;
    std::istringstream keys(cli_.keys);
    for (std::string k; keys >> k;) {
      SDL_Keycode code = keyNamed(k);
      if (code == SDLK_UNKNOWN) {
        error = "--view-keys: unknown key " + k;
        return false;
      }
      script_.push_back(code);
    }
    return true;
  }

  int loop() {
    s_.refresh();
    s_.autoSelect();
    auto lastDraw = std::chrono::steady_clock::now() - kFrame;
    bool dirty = true;
    while (!quit_) {
      SDL_Event e;
      while (SDL_PollEvent(&e)) {
        handle(e);
        dirty = true;
      }
      if (quit_) break;
      bool idle = !running_ && !s_.recorder().reached();
      if (idle && !script_.empty() && !shot_) {
        SDL_Event k{};
        k.type = SDL_KEYDOWN;
        k.key.keysym.sym = script_.front();
        script_.pop_front();
        SDL_PushEvent(&k);
        continue;
      }
      if (running_) {
        advance(lastDraw);
        dirty = true;
      }
      auto now = std::chrono::steady_clock::now();
      if (dirty && now - lastDraw >= kFrame) {
        draw();
        lastDraw = now;
        dirty = false;
      } else if (!running_) {
        SDL_WaitEventTimeout(nullptr, 30);
      } else if (kSpeeds[speed_] != 0) {
        SDL_Delay(static_cast<Uint32>(std::max<long>(
            1, std::chrono::duration_cast<std::chrono::milliseconds>(kFrame - (now - lastDraw)).count())));
      }
    }
    return 0;
  }

 private:
  // Runs one frame's worth: a fixed number of instructions, or (full speed) until the frame time
  // is up. Host time only decides when to draw, never what the guest does.
  void advance(std::chrono::steady_clock::time_point lastDraw) {
    if (kSpeeds[speed_] != 0) {
      s_.runFor(kSpeeds[speed_]);
    } else {
      do {
        s_.runFor(200'000);
      } while (!s_.finished() && !s_.reached() && std::chrono::steady_clock::now() - lastDraw < kFrame);
    }
    if (s_.reached()) {
      running_ = false;
      s_.disarm();
      s_.selection().pinnedCr3.reset();
      s_.refresh();
      s_.autoSelect();
    }
    if (s_.finished()) running_ = false;
  }

  void runTo(When::Kind kind) {
    if (s_.finished()) return;
    When w;
    w.kind = kind;
    std::string error;
    s_.arm(w, error);
    running_ = true;
  }

  void handle(const SDL_Event& e) {
    Selection& sel = s_.selection();
    if (e.type == SDL_QUIT) quit_ = true;
    if (e.type == SDL_MOUSEBUTTONDOWN) {
      int w, h;
      SDL_GetRendererOutputSize(renderer_, &w, &h);
      int ww, wh;
      SDL_GetWindowSize(window_, &ww, &wh);
      int x = e.button.x * w / std::max(1, ww), y = e.button.y * h / std::max(1, wh);
      Layout l = layoutFor(s_, w, h);
      if (long i = l.pdes.hit(x, y); i >= 0) {
        sel.pde = static_cast<unsigned>(i);
        sel.frame.reset();
      } else if (long j = l.ptes.hit(x, y); j >= 0) {
        sel.pte = static_cast<unsigned>(j);
        sel.frame.reset();
      } else if (long f = l.frames.hit(x, y); f >= 0) {
        sel.frame = static_cast<uint32_t>(f);  // its details: mappers by address space and linear address
      } else if (std::optional<uint32_t> cr3 = view_->spaceAt(x, y)) {
        sel.pinnedCr3 = *cr3;  // shown until 0 (or a "run to" stop) follows CR3 again
        sel.frame.reset();
        s_.autoSelect();
      }
    }
    if (e.type != SDL_KEYDOWN) return;
    SDL_Keycode k = e.key.keysym.sym;
    bool shift = (e.key.keysym.mod & KMOD_SHIFT) != 0;
    switch (k) {
      case SDLK_q:
      case SDLK_ESCAPE: quit_ = true; break;
      case SDLK_SPACE:
        if (running_) {
          running_ = false;
          s_.disarm();
        } else if (!s_.finished()) {
          s_.disarm();
          running_ = true;
        }
        break;
      case SDLK_s:
        if (!running_) {
          s_.runFor(1);
          s_.refresh();
        }
        break;
      case SDLK_RIGHT: sel.pte = (sel.pte + 1) % 1024; break;
      case SDLK_f: runTo(When::Kind::kNextFault); break;
      case SDLK_t: runTo(When::Kind::kNextFlush); break;
      case SDLK_c: runTo(When::Kind::kNextCr3); break;
      case SDLK_a: {
        std::vector<uint32_t> live;  // the list's live address spaces, in its order
        for (const AddressSpace& a : s_.addressSpaces()) {
          if (a.live) live.push_back(a.cr3);
        }
        if (live.empty()) break;
        uint32_t cur = s_.shownCr3();
        auto it = std::find(live.begin(), live.end(), cur);
        size_t i = it == live.end() ? 0 : static_cast<size_t>(it - live.begin());
        i = shift ? (i + live.size() - 1) % live.size() : (i + 1) % live.size();
        sel.pinnedCr3 = live[i];
        s_.autoSelect();
        break;
      }
      case SDLK_0: sel.pinnedCr3.reset(); break;
      case SDLK_LEFT: sel.pte = (sel.pte + 1023) % 1024; break;
      case SDLK_UP: sel.pte = (sel.pte + 1024 - 32) % 1024; break;
      case SDLK_DOWN: sel.pte = (sel.pte + 32) % 1024; break;
      case SDLK_PAGEUP: sel.pde = (sel.pde + 1023) % 1024; break;
      case SDLK_PAGEDOWN: sel.pde = (sel.pde + 1) % 1024; break;
      case SDLK_LEFTBRACKET: s_.stepFrame(false); break;
      case SDLK_RIGHTBRACKET: s_.stepFrame(true); break;
      case SDLK_z: sel.allFrames = !sel.allFrames; break;
      case SDLK_PLUS:
      case SDLK_EQUALS:
      case SDLK_KP_PLUS: speed_ = std::min(speed_ + 1, kSpeedCount - 1); break;
      case SDLK_MINUS:
      case SDLK_KP_MINUS: speed_ = speed_ ? speed_ - 1 : 0; break;
      case SDLK_h:
      case SDLK_F1:
      case SDLK_QUESTION: sel.help = !sel.help; break;
      case SDLK_p:
      case SDLK_F12: shot_ = true; break;
      default: break;
    }
  }

  void draw() {
    s_.refresh();
    int w, h;
    SDL_GetRendererOutputSize(renderer_, &w, &h);
    Chrome chrome{running_ ? "running" : s_.finished() ? outcomeText(s_) : "paused", speedText(speed_)};
    view_->draw(s_, chrome, w, h);
    if (shot_) {
      shot_ = false;
      std::vector<uint32_t> px(static_cast<size_t>(w) * h);
      std::string path = cli_.png.empty() ? "xray86-view.png" : cli_.png.front();
      std::string error;
      if (SDL_RenderReadPixels(renderer_, nullptr, SDL_PIXELFORMAT_RGB888, px.data(), w * 4) != 0) {
        std::fprintf(stderr, "xray86: screenshot: %s\n", SDL_GetError());
      } else if (!writePng(path, w, h, px.data(), w, error)) {
        std::fprintf(stderr, "xray86: %s\n", error.c_str());
      } else if (!pc_.quiet) {
        std::fprintf(stderr, "xray86: view saved %s at cycle %llu\n", path.c_str(),
                     static_cast<unsigned long long>(s_.machine().cpu().cycles()));
      }
    }
    SDL_RenderPresent(renderer_);
  }

  Session& s_;
  const emu::MachineCli& pc_;
  const ViewCli& cli_;
  SDL_Window* window_ = nullptr;
  SDL_Renderer* renderer_ = nullptr;
  std::unique_ptr<Renderer> view_;
  bool inited_ = false, quit_ = false, running_ = false, shot_ = false;
  unsigned speed_ = 5;
  std::deque<SDL_Keycode> script_;
};

}  // namespace

void addViewOptions(CLI::App& run, ViewCli& cli) {
  run.add_flag("--view", cli.window, "Open the SDL window: page tables, frames, TLB and faults, drawn live (h in the window lists the keys). Example: --view");
  run.add_option("--view-png", cli.png,
                 "Write the view as a PNG (headless, repeatable, one per --view-at); with --view: the screenshot file. "
                 "Example: --view-png before.png after.png --view-at ret:fork pf:1");
  run.add_option("--view-at", cli.at, "When to draw --view-png: exit, pf:N, cycle:N, symbol:NAME, ret:NAME. Example: --view-png fork.png --view-at ret:fork");
  run.add_option("--view-keys", cli.keys, "Keys the window presses by itself, in order. Example: --view --view-keys \"f p q\"");
  run.add_option("--view-size", cli.size, "Size of the window or pictures, WxH. Example: --view-size 1920x1200")->capture_default_str();
  run.add_option("--cow-bit", cli.cowBit, "The PTE bit the guest marks copy-on-write pages with (default 9: PTE_COW 0x200). Example: --cow-bit 8")
      ->check(CLI::Range(0u, 11u))
      ->capture_default_str();
}

int runView(emu::MachineCli& pc, const ViewCli& cli, const trace::TraceCli& traceCli) {
  int w = 0, h = 0;
  if (!parseSize(cli.size, w, h)) {
    std::fprintf(stderr, "xray86: --view-size %s: expected WxH, from 320x200 to 8192x8192\n", cli.size.c_str());
    return 2;
  }
  std::vector<When> moments;
  if (!cli.window) {
    if (cli.png.empty() || (cli.png.size() != cli.at.size() && !(cli.png.size() == 1 && cli.at.empty()))) {
      std::fprintf(stderr, "xray86: --view-png FILE --view-at WHEN come in pairs (one --view-png alone: at exit)\n");
      return 2;
    }
  }
  for (const std::string& a : cli.at) {
    When when;
    std::string error;
    if (!parseWhen(a, when, error)) {
      std::fprintf(stderr, "xray86: %s\n", error.c_str());
      return 2;
    }
    moments.push_back(when);
  }
  if (!cli.window && moments.empty()) moments.push_back(When{});
  if (!pc.rtc.empty() && !emu::parseRtc(pc.rtc, pc.config.rtc)) {
    std::fprintf(stderr, "xray86: --rtc %s: expected seconds since 1970 or YYYY-MM-DD[THH:MM:SS]\n", pc.rtc.c_str());
    return 2;
  }
  // --console-file, as runMachineCli does it: the guest's console goes to a file.
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(nullptr, std::fclose);
  std::unique_ptr<devices::FileSink> sink;
  if (!pc.consoleFile.empty()) {
    file.reset(std::fopen(pc.consoleFile.c_str(), "wb"));
    if (!file) {
      std::fprintf(stderr, "xray86: cannot write console file %s\n", pc.consoleFile.c_str());
      return 2;
    }
    sink = std::make_unique<devices::FileSink>(file.get());
    pc.config.console = sink.get();
  }
  std::string error;
  std::unique_ptr<emu::Machine> m = emu::Machine::create(pc.config, error);
  if (!m) {
    std::fprintf(stderr, "xray86: %s\n", error.c_str());
    return 2;
  }
  // One tracer for the run: the trace session's (--trace, --stats, the summary of a failing
  // run), which also loads the names (kernel symbols, --symbols, the user programs); the view's
  // events panel taps it.
  trace::TraceSession traced(traceCli, pc.config);
  if (!traced.attach(*m, error)) {
    std::fprintf(stderr, "xray86: %s\n", error.c_str());
    return 2;
  }
  Session s(*m, traced, cli.cowBit, pc.maxInstructions, pc.maxCycles);

  if (!cli.window) {
    for (size_t i = 0; i < moments.size(); ++i) {
      if (!s.runTo(moments[i], error)) {
        std::fprintf(stderr, "xray86: %s\n", error.c_str());
        return 2;
      }
      s.refresh();
      s.autoSelect();
      std::vector<uint32_t> px;
      Chrome chrome{s.finished() ? outcomeText(s) : "at " + moments[i].text, ""};
      if (!renderOffscreen(s, chrome, w, h, px, error) || !writePng(cli.png[i], w, h, px.data(), w, error)) {
        std::fprintf(stderr, "xray86: %s\n", error.c_str());
        return 2;
      }
      if (!pc.quiet) {
        std::fprintf(stderr, "xray86: view %s at %s (cycle %llu)\n", cli.png[i].c_str(), moments[i].text.c_str(),
                     static_cast<unsigned long long>(m->cpu().cycles()));
      }
    }
    When end;
    s.runTo(end, error);
    return finish(s, pc, traced);
  }

  for (const When& when : moments) {
    if (!s.runTo(when, error)) {
      std::fprintf(stderr, "xray86: %s\n", error.c_str());
      return 2;
    }
  }
  Window win(s, pc, cli);
  if (!win.open(w, h, error)) {
    std::fprintf(stderr, "xray86: %s\n", error.c_str());
    return 2;
  }
  win.loop();
  return finish(s, pc, traced);
}

}  // namespace view
