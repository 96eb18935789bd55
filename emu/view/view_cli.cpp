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

// The moments of --view-at; false and a one-line error for a bad one.
bool parseMoments(const ViewCli& cli, std::vector<run::Until>& moments, std::string& error) {
  for (const std::string& a : cli.at) {
    std::optional<run::Until> u = run::Until::parse(a, error);
    if (!u) {
      error = "--view-at " + error;
      return false;
    }
    moments.push_back(*u);
  }
  if (!cli.window && moments.empty()) moments.push_back(run::Until::end());
  return true;
}

// How the view's part of the run ended: the run's end, or the window closed before it.
run::Stop ending(const Session& s) {
  if (s.finished()) return *s.outcome();
  return run::Stop{run::StopKind::kRequested, emu::exit_status::kOk, "view closed", {}};
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
  Window(Session& s, bool quiet, const ViewCli& cli) : s_(s), quiet_(quiet), cli_(cli) {}
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
      error =
          "no display to open a window on (set DISPLAY); --view-png FILE --view-at WHEN draws "
          "pictures without one";
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
      bool idle = !running_ && !s_.reached();
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
            1, std::chrono::duration_cast<std::chrono::milliseconds>(kFrame - (now - lastDraw))
                   .count())));
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
      } while (!s_.finished() && !s_.reached() &&
               std::chrono::steady_clock::now() - lastDraw < kFrame);
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

  void runTo(run::Until::Kind kind) {
    if (s_.finished()) return;
    std::string error;
    s_.arm(run::Until::make(kind, 0), error);
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
        sel.frame =
            static_cast<uint32_t>(f);  // its details: mappers by address space and linear address
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
      case SDLK_ESCAPE:
        quit_ = true;
        break;
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
      case SDLK_RIGHT:
        sel.pte = (sel.pte + 1) % 1024;
        break;
      case SDLK_f:
        runTo(run::Until::Kind::kNextFault);
        break;
      case SDLK_t:
        runTo(run::Until::Kind::kNextFlush);
        break;
      case SDLK_c:
        runTo(run::Until::Kind::kNextCr3);
        break;
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
      case SDLK_0:
        sel.pinnedCr3.reset();
        break;
      case SDLK_LEFT:
        sel.pte = (sel.pte + 1023) % 1024;
        break;
      case SDLK_UP:
        sel.pte = (sel.pte + 1024 - 32) % 1024;
        break;
      case SDLK_DOWN:
        sel.pte = (sel.pte + 32) % 1024;
        break;
      case SDLK_PAGEUP:
        sel.pde = (sel.pde + 1023) % 1024;
        break;
      case SDLK_PAGEDOWN:
        sel.pde = (sel.pde + 1) % 1024;
        break;
      case SDLK_LEFTBRACKET:
        s_.stepFrame(false);
        break;
      case SDLK_RIGHTBRACKET:
        s_.stepFrame(true);
        break;
      case SDLK_z:
        sel.allFrames = !sel.allFrames;
        break;
      case SDLK_PLUS:
      case SDLK_EQUALS:
      case SDLK_KP_PLUS:
        speed_ = std::min(speed_ + 1, kSpeedCount - 1);
        break;
      case SDLK_MINUS:
      case SDLK_KP_MINUS:
        speed_ = speed_ ? speed_ - 1 : 0;
        break;
      case SDLK_h:
      case SDLK_F1:
      case SDLK_QUESTION:
        sel.help = !sel.help;
        break;
      case SDLK_p:
      case SDLK_F12:
        shot_ = true;
        break;
      default:
        break;
    }
  }

  void draw() {
    s_.refresh();
    int w, h;
    SDL_GetRendererOutputSize(renderer_, &w, &h);
    Chrome chrome{running_        ? "running"
                  : s_.finished() ? outcomeText(s_)
                                  : "paused",
                  speedText(speed_)};
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
      } else if (!quiet_) {
        std::fprintf(stderr, "xray86: view saved %s at cycle %llu\n", path.c_str(),
                     static_cast<unsigned long long>(s_.machine().cpu().cycles()));
      }
    }
    SDL_RenderPresent(renderer_);
  }

  Session& s_;
  bool quiet_;
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
  run.add_flag("--view", cli.window,
               "Open the SDL window: page tables, frames, TLB and faults, drawn live (h in the "
               "window lists the keys). Example: --view");
  run.add_option("--view-png", cli.png,
                 "Write the view as a PNG (headless, repeatable, one per --view-at); with --view: "
                 "the screenshot file. "
                 "Example: --view-png before.png after.png --view-at ret:fork pf:1");
  run.add_option(
      "--view-at", cli.at,
      "When to draw --view-png: exit, pf:N, cycle:N, insn:N, symbol:NAME, ret:NAME, console:TEXT, "
      "event:EXPR. Example: --view-png fork.png --view-at ret:fork");
  run.add_option(
      "--view-keys", cli.keys,
      "Keys the window presses by itself, in order. Example: --view --view-keys \"f p q\"");
  run.add_option("--view-size", cli.size,
                 "Size of the window or pictures, WxH. Example: --view-size 1920x1200")
      ->capture_default_str();
}

bool checkViewOptions(const ViewCli& cli, std::string& error) {
  if (!cli.enabled()) return true;
  int w = 0, h = 0;
  if (!parseSize(cli.size, w, h)) {
    error = "--view-size " + cli.size + ": expected WxH, from 320x200 to 8192x8192";
    return false;
  }
  if (!cli.window) {
    if (cli.png.empty() ||
        (cli.png.size() != cli.at.size() && !(cli.png.size() == 1 && cli.at.empty()))) {
      error = "--view-png FILE --view-at WHEN come in pairs (one --view-png alone: at exit)";
      return false;
    }
  }
  std::vector<run::Until> moments;
  return parseMoments(cli, moments, error);
}

std::optional<run::Stop> runView(run::Run& run, const ViewCli& cli, bool quiet,
                                 std::string& error) {
  int w = 0, h = 0;
  std::vector<run::Until> moments;
  if (!parseSize(cli.size, w, h) || !parseMoments(cli, moments, error)) {
    if (error.empty()) error = "--view-size " + cli.size + ": expected WxH";
    return std::nullopt;
  }
  Session s(run);
  auto moment = [&](const run::Until& at) {
    if (s.runTo(at, error)) return true;
    error = "--view-at " + error;
    return false;
  };

  if (!cli.window) {
    for (size_t i = 0; i < moments.size(); ++i) {
      if (!moment(moments[i])) return std::nullopt;
      s.refresh();
      s.autoSelect();
      std::vector<uint32_t> px;
      Chrome chrome{s.finished() ? outcomeText(s) : "at " + moments[i].source, ""};
      if (!renderOffscreen(s, chrome, w, h, px, error) ||
          !writePng(cli.png[i], w, h, px.data(), w, error)) {
        return std::nullopt;
      }
      if (s.finished() && moments[i].kind != run::Until::Kind::kEnd) {
        // The guest ended first: the picture is the end of the run, not the moment asked for.
        std::fprintf(stderr,
                     "xray86: warning: --view-at %s was never reached (%s); %s shows the end of "
                     "the run\n",
                     moments[i].source.c_str(), outcomeText(s).c_str(), cli.png[i].c_str());
      } else if (!quiet) {
        std::fprintf(stderr, "xray86: view %s at %s (cycle %llu)\n", cli.png[i].c_str(),
                     moments[i].source.c_str(), static_cast<unsigned long long>(run.cycles()));
      }
    }
    s.runTo(run::Until::end(), error);
    return ending(s);
  }

  for (const run::Until& at : moments) {
    if (!moment(at)) return std::nullopt;
  }
  Window win(s, quiet, cli);
  if (!win.open(w, h, error)) return std::nullopt;
  win.loop();
  return ending(s);
}

}  // namespace view
