#include "telephony/resampler.h"

#include <speex/speex_resampler.h>

#include <string>

namespace zx::telephony {

Result<std::unique_ptr<Resampler>> Resampler::Create(int in_rate, int out_rate, int quality) {
  int err = 0;
  SpeexResamplerState* st = speex_resampler_init(
      1, static_cast<spx_uint32_t>(in_rate), static_cast<spx_uint32_t>(out_rate), quality, &err);
  if (!st || err != RESAMPLER_ERR_SUCCESS)
    return InvalidArgument("resampler " + std::to_string(in_rate) + " -> " +
                           std::to_string(out_rate) + ": " + speex_resampler_strerror(err));
  speex_resampler_skip_zeros(st);
  return std::unique_ptr<Resampler>(new Resampler(st, in_rate, out_rate));
}

Resampler::~Resampler() { speex_resampler_destroy(st_); }

std::vector<int16_t> Resampler::Process(const int16_t* in, size_t n) {
  std::vector<int16_t> out(n * out_rate_ / in_rate_ + 64);
  spx_uint32_t in_len = static_cast<spx_uint32_t>(n);
  spx_uint32_t out_len = static_cast<spx_uint32_t>(out.size());
  speex_resampler_process_int(st_, 0, in, &in_len, out.data(), &out_len);
  out.resize(out_len);
  return out;
}

std::vector<int16_t> Resampler::Flush() {
  std::vector<int16_t> zeros(static_cast<size_t>(speex_resampler_get_input_latency(st_)), 0);
  return Process(zeros.data(), zeros.size());
}

std::vector<int16_t> Resampler::ProcessAll(const std::vector<int16_t>& in) {
  std::vector<int16_t> out = Process(in.data(), in.size());
  std::vector<int16_t> tail = Flush();
  out.insert(out.end(), tail.begin(), tail.end());
  return out;
}

}  // namespace zx::telephony
