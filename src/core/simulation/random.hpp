// The simulator's random numbers: std::mt19937_64 with an explicit seed, and the transforms to
// exponential, normal and log-normal written out here rather than taken from <random>'s
// distributions, whose algorithms the standard leaves to each library: the same seed gives the
// same run with libstdc++ and libc++.
//
// One generator per arrival stream and purpose (arrival times, handle times, patience), each
// seeded from (seed, stream, purpose): a customer's arrival, handle time and patience do not
// depend on what the agents do, so two runs that differ only in staffing or routing see the same
// customers (common random numbers) and their difference is the effect of the change, not noise.
#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

namespace parley::core::simulation {

class Random {
 public:
  Random(std::uint64_t seed, std::uint64_t stream, std::uint64_t purpose)
      : engine_(mix(seed ^ mix(stream * 0x9E3779B97F4A7C15ULL + purpose + 1))) {}

  // Uniform in (0, 1]: 53 random bits, never 0, so log() is finite.
  double uniform() { return static_cast<double>((engine_() >> 11) + 1) * 0x1.0p-53; }

  double exponential(double mean) { return -mean * std::log(uniform()); }

  // Box-Muller; one normal per two uniforms (no cached second value: nothing hidden in the state).
  double standardNormal() {
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    return r * std::cos(2.0 * std::numbers::pi * uniform());
  }

  // A log-normal with the given mean and standard deviation of the value itself:
  // sigma^2 = ln(1 + sd^2/mean^2), mu = ln(mean) - sigma^2/2.
  double logNormal(double mean, double sd) {
    const double sigma2 = std::log1p((sd * sd) / (mean * mean));
    const double mu = std::log(mean) - sigma2 / 2;
    return std::exp(mu + std::sqrt(sigma2) * standardNormal());
  }

 private:
  // SplitMix64's finaliser (Steele, Lea & Flood, "Fast splittable pseudorandom number
  // generators", OOPSLA 2014): nearby seeds give unrelated generators.
  static std::uint64_t mix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
  }

  std::mt19937_64 engine_;
};

}  // namespace parley::core::simulation
