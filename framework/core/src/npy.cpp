#include "ganrig/npy.hpp"

#include <fmt/format.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "ganrig/atomic_file.hpp"
#include "ganrig/error.hpp"

namespace fs = std::filesystem;

namespace ganrig {

namespace {

// The header's Python dict: {'descr': '<f4', 'fortran_order': False, 'shape': (4, 256), }
struct NpyHeader {
  std::string descr;
  bool fortran = false;
  std::vector<std::int64_t> shape;
};

NpyHeader parse_header(const fs::path& file, const std::string& text) {
  NpyHeader h;
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"('descr'\s*:\s*'([^']*)')"))) h.descr = m[1];
  if (std::regex_search(text, m, std::regex(R"('fortran_order'\s*:\s*(True|False))"))) h.fortran = m[1] == "True";
  if (!std::regex_search(text, m, std::regex(R"('shape'\s*:\s*\(([^)]*)\))")))
    throw Error(fmt::format("{}: not a .npy file (no shape in its header)", file.string()));
  std::stringstream dims(m[1].str());
  for (std::string d; std::getline(dims, d, ',');)
    if (d.find_first_not_of(" ") != std::string::npos) h.shape.push_back(std::stoll(d));
  return h;
}

}  // namespace

torch::Tensor read_npy_matrix(const fs::path& file, std::int64_t columns) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open (no such file, or not readable)", file.string()));
  char magic[8];
  if (!in.read(magic, 8) || std::string(magic, 6) != "\x93NUMPY")
    throw Error(fmt::format("{}: not a .npy file (NumPy's np.save format)", file.string()));
  std::uint32_t header_length = 0;
  unsigned char bytes[4] = {0, 0, 0, 0};
  in.read(reinterpret_cast<char*>(bytes), magic[6] == 1 ? 2 : 4);
  header_length = bytes[0] | (bytes[1] << 8) | (bytes[2] << 16) | (static_cast<std::uint32_t>(bytes[3]) << 24);
  std::string text(header_length, '\0');
  in.read(text.data(), header_length);
  const NpyHeader h = parse_header(file, text);
  if (h.descr != "<f4" && h.descr != "<f8")
    throw Error(fmt::format("{}: dtype '{}'; expected float32 ('<f4') or float64 ('<f8') latents", file.string(), h.descr));
  if (h.fortran) throw Error(fmt::format("{}: Fortran order; save a C-ordered array (np.ascontiguousarray)", file.string()));
  if (h.shape.size() != 2 || (columns > 0 && h.shape[1] != columns))
    throw Error(fmt::format("{}: shape ({}); expected (N, {}) latents", file.string(), fmt::join(h.shape, ", "),
                            columns > 0 ? std::to_string(columns) : "z_dim"));
  const auto dtype = h.descr == "<f4" ? torch::kFloat32 : torch::kFloat64;
  torch::Tensor values = torch::empty({h.shape[0], h.shape[1]}, dtype);
  const auto size = static_cast<std::streamsize>(values.numel() * values.element_size());
  if (!in.read(static_cast<char*>(values.data_ptr()), size))
    throw Error(fmt::format("{}: truncated (the header promises {} values)", file.string(), values.numel()));
  return values.to(torch::kFloat32);
}

void write_npy(const fs::path& file, const torch::Tensor& values) {
  const bool f8 = values.scalar_type() == torch::kFloat64;  // kept exact; anything else as float32
  const torch::Tensor v = values.detach().to(torch::kCPU, f8 ? torch::kFloat64 : torch::kFloat32).contiguous();
  std::vector<std::string> dims;
  for (const auto d : v.sizes()) dims.push_back(std::to_string(d));
  std::string header = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}{}), }}", f8 ? "<f8" : "<f4",
                                   fmt::join(dims, ", "), dims.size() == 1 ? "," : "");
  header.append(64 - (10 + header.size() + 1) % 64, ' ');  // the data starts at a multiple of 64
  header += '\n';
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  bytes.append(static_cast<const char*>(v.data_ptr()), v.numel() * v.element_size());
  write_file_atomic(file, bytes);
}

}  // namespace ganrig
