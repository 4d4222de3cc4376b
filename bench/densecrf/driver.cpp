// Krähenbühl's densecrf v2 (DenseCRF2D) set up as atrous' CRF presets, for timing and as an
// independent oracle. Build: see README.md (the densecrf source is the user's; nothing here
// downloads it). Usage:
//   driver --image IMG.npy --probs P.npy [--out Q.npy] [--preset deeplab-v2|deeplab-v1|densecrf]
//          [--iterations N] [--pos-w W] [--pos-xy S] [--bi-w W] [--bi-xy S] [--bi-rgb S]
//          [--runs R] [--warmup K] [--ftz 0|1]
// IMG: uint8 (H, W, 3) RGB; P: float32 (C, H, W) probabilities; Q: float32 (C, H, W).
// Each run builds the model (unary -log(clip(p, 1e-5, 1)), features, both lattices + norms:
// "setup") and runs inference(N) ("inference"), timed with steady_clock (wall) and
// CLOCK_PROCESS_CPUTIME_ID (CPU), with the minor page faults of the run. Prints min / median, then
// one line `json {...}` with every run.
#include <densecrf.h>
#include <xmmintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <sys/resource.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Npy {
  std::string descr;
  std::vector<long> shape;
  std::vector<char> data;
};

[[noreturn]] void fail(const std::string& msg) {
  std::fprintf(stderr, "densecrf driver: %s\n", msg.c_str());
  std::exit(2);
}

// Reads a C-order .npy (format 1.x or 2.x); the caller checks descr and shape.
Npy readNpy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail("cannot open " + path);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || std::memcmp(bytes.data(), "\x93NUMPY", 6) != 0) fail(path + " is not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  size_t hlen, start;
  if (major == 1) {
    hlen = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    start = 10;
  } else {
    if (bytes.size() < 12) fail(path + ": truncated header");
    hlen = 0;
    for (int k = 0; k < 4; k++) hlen |= static_cast<size_t>(static_cast<unsigned char>(bytes[8 + k])) << (8 * k);
    start = 12;
  }
  if (start + hlen > bytes.size()) fail(path + ": truncated header");
  const std::string header(bytes.data() + start, hlen);
  Npy out;
  const auto d = header.find("'descr'");
  const auto q1 = header.find('\'', header.find(':', d) + 1);
  const auto q2 = header.find('\'', q1 + 1);
  if (d == std::string::npos || q1 == std::string::npos || q2 == std::string::npos) fail(path + ": no descr");
  out.descr = header.substr(q1 + 1, q2 - q1 - 1);
  if (header.find("'fortran_order': True") != std::string::npos) fail(path + ": Fortran order is not supported");
  const auto s = header.find('(', header.find("'shape'"));
  const auto e = header.find(')', s);
  std::stringstream dims(header.substr(s + 1, e - s - 1));
  std::string tok;
  while (std::getline(dims, tok, ','))
    if (tok.find_first_not_of(' ') != std::string::npos) out.shape.push_back(std::stol(tok));
  out.data.assign(bytes.begin() + static_cast<long>(start + hlen), bytes.end());
  return out;
}

void writeNpyF32(const std::string& path, const std::vector<long>& shape, const float* v, size_t count) {
  std::string dims;
  for (long s : shape) dims += std::to_string(s) + ", ";
  dims.resize(dims.size() - (shape.size() > 1 ? 2 : 1));  // "(a, b, c)" but "(a,)"
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::ofstream f(path, std::ios::binary);
  if (!f) fail("cannot write " + path);
  const unsigned short hlen = static_cast<unsigned short>(header.size());
  f.write("\x93NUMPY\x01\x00", 8);
  f.put(static_cast<char>(hlen & 0xff));
  f.put(static_cast<char>(hlen >> 8));
  f.write(header.data(), static_cast<long>(header.size()));
  f.write(reinterpret_cast<const char*>(v), static_cast<long>(count * sizeof(float)));
}

struct Params {
  int iterations;
  float posW, posXy, biW, biXy, biRgb;
};

// The presets of src/post/crf/params.ts.
Params preset(const std::string& name) {
  if (name == "deeplab-v2") return {10, 3, 1, 4, 67, 3};
  if (name == "deeplab-v1") return {10, 3, 3, 4, 121, 5};
  if (name == "densecrf") return {5, 3, 3, 10, 80, 13};
  fail("unknown preset '" + name + "'; presets: deeplab-v2, deeplab-v1, densecrf");
}

double cpuMs() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

long minorFaults() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_minflt;
}

double wallMs() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string stats(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  char buf[64];
  std::snprintf(buf, sizeof buf, "min %.1f / median %.1f ms", xs.front(), xs[(xs.size() - 1) / 2]);
  return buf;
}

std::string jsonArray(const std::vector<double>& xs) {
  std::string s = "[";
  for (size_t i = 0; i < xs.size(); i++) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.3f", i ? "," : "", xs[i]);
    s += buf;
  }
  return s + "]";
}

}  // namespace

int main(int argc, char** argv) {
  std::string imagePath, probsPath, outPath, presetName = "deeplab-v2";
  int runs = 5, warmup = 1;
  bool ftz = false;
  std::vector<std::pair<std::string, std::string>> overrides;
  for (int a = 1; a < argc; a++) {
    const std::string k = argv[a];
    if (a + 1 >= argc) fail("missing value after " + k);
    const std::string v = argv[++a];
    if (k == "--image") imagePath = v;
    else if (k == "--probs") probsPath = v;
    else if (k == "--out") outPath = v;
    else if (k == "--preset") presetName = v;
    else if (k == "--runs") runs = std::stoi(v);
    else if (k == "--warmup") warmup = std::stoi(v);
    else if (k == "--ftz") ftz = v == "1";
    else overrides.emplace_back(k, v);
  }
  if (imagePath.empty() || probsPath.empty()) fail("need --image IMG.npy and --probs P.npy");
  if (runs < 1 || warmup < 0) fail("--runs must be >= 1 and --warmup >= 0");
  Params p = preset(presetName);
  for (const auto& [k, v] : overrides) {
    const float x = std::stof(v);
    if (k == "--iterations") p.iterations = static_cast<int>(x);
    else if (k == "--pos-w") p.posW = x;
    else if (k == "--pos-xy") p.posXy = x;
    else if (k == "--bi-w") p.biW = x;
    else if (k == "--bi-xy") p.biXy = x;
    else if (k == "--bi-rgb") p.biRgb = x;
    else fail("unknown option " + k);
  }

  const Npy img = readNpy(imagePath);
  const Npy prob = readNpy(probsPath);
  if (img.descr != "|u1" || img.shape.size() != 3 || img.shape[2] != 3) fail("image must be uint8 (H, W, 3)");
  if (prob.descr != "<f4" || prob.shape.size() != 3) fail("probs must be float32 (C, H, W)");
  const int H = static_cast<int>(img.shape[0]), W = static_cast<int>(img.shape[1]);
  const int C = static_cast<int>(prob.shape[0]);
  if (prob.shape[1] != H || prob.shape[2] != W) fail("probs and image sizes differ");
  const int N = H * W;
  if (img.data.size() < static_cast<size_t>(N) * 3 || prob.data.size() < static_cast<size_t>(N) * C * 4)
    fail("truncated data");
  const auto* rgb = reinterpret_cast<const unsigned char*>(img.data.data());
  std::vector<float> planes(static_cast<size_t>(N) * C);
  std::memcpy(planes.data(), prob.data.data(), planes.size() * sizeof(float));

  // Optional: flush denormals to zero / treat them as zero (MXCSR FTZ | DAZ), as -ffast-math
  // binaries do at startup; densecrf's own build leaves them on.
  if (ftz) _mm_setcsr(_mm_getcsr() | 0x8040);
  std::vector<double> setupWall, setupCpu, infWall, infCpu, faults;
  MatrixXf Q;
  for (int r = 0; r < warmup + runs; r++) {
    const double w0 = wallMs(), c0 = cpuMs();
    const long f0 = minorFaults();
    DenseCRF2D crf(W, H, C);
    // Unary (labels x pixels, column-major: pixel i's labels are contiguous), as atrous' crfProblem.
    MatrixXf unary(C, N);
    for (int l = 0; l < C; l++)
      for (int i = 0; i < N; i++)
        unary(l, i) = static_cast<float>(-std::log(std::min(1.0, std::max(1e-5, double(planes[size_t(l) * N + i])))));
    crf.setUnaryEnergy(unary);
    // Same order and kernel types as atrous' crfKernels: smoothness, then appearance.
    if (p.posW > 0) crf.addPairwiseGaussian(p.posXy, p.posXy, new PottsCompatibility(p.posW), DIAG_KERNEL, NORMALIZE_SYMMETRIC);
    if (p.biW > 0)
      crf.addPairwiseBilateral(p.biXy, p.biXy, p.biRgb, p.biRgb, p.biRgb, rgb, new PottsCompatibility(p.biW), DIAG_KERNEL,
                               NORMALIZE_SYMMETRIC);
    const double w1 = wallMs(), c1 = cpuMs();
    Q = crf.inference(p.iterations);
    const double w2 = wallMs(), c2 = cpuMs();
    if (r >= warmup) {
      setupWall.push_back(w1 - w0);
      setupCpu.push_back(c1 - c0);
      infWall.push_back(w2 - w1);
      infCpu.push_back(c2 - c1);
      faults.push_back(double(minorFaults() - f0));
    }
  }
  std::vector<double> totalWall, totalCpu;
  for (int r = 0; r < runs; r++) {
    totalWall.push_back(setupWall[r] + infWall[r]);
    totalCpu.push_back(setupCpu[r] + infCpu[r]);
  }
  std::printf("densecrf %dx%d, %d labels, %s (pos %g/%g, bi %g/%g/%g), %d iterations, %d runs after %d warm-up%s\n",
              W, H, C, presetName.c_str(), p.posW, p.posXy, p.biW, p.biXy, p.biRgb, p.iterations, runs, warmup,
              ftz ? ", denormals flushed (FTZ/DAZ)" : "");
  std::printf("  setup (unary + features + lattices + norms): wall %s, cpu %s\n", stats(setupWall).c_str(),
              stats(setupCpu).c_str());
  std::printf("  inference(%d): wall %s, cpu %s\n", p.iterations, stats(infWall).c_str(), stats(infCpu).c_str());
  std::printf("  total: wall %s, cpu %s\n", stats(totalWall).c_str(), stats(totalCpu).c_str());
  std::printf("  minor page faults per run: %.0f (min)\n", *std::min_element(faults.begin(), faults.end()));
  std::printf("json {\"setupWall\":%s,\"setupCpu\":%s,\"inferenceWall\":%s,\"inferenceCpu\":%s,\"minorFaults\":%s}\n",
              jsonArray(setupWall).c_str(), jsonArray(setupCpu).c_str(), jsonArray(infWall).c_str(),
              jsonArray(infCpu).c_str(), jsonArray(faults).c_str());

  if (!outPath.empty()) {
    // Q is labels x pixels (column-major) → (C, H, W) planes.
    std::vector<float> out(static_cast<size_t>(N) * C);
    for (int i = 0; i < N; i++)
      for (int l = 0; l < C; l++) out[size_t(l) * N + i] = Q(l, i);
    writeNpyF32(outPath, {C, H, W}, out.data(), out.size());
  }
  return 0;
}
