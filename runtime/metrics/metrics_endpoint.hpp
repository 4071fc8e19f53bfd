// `flowrun run --metrics-address HOST:PORT`: serves a running job's metrics at `/metrics` in the
// Prometheus text format (0.0.4), through prometheus-cpp's exposer (civetweb). Nothing is counted
// for it on the hot path: a scrape reads the counters the job keeps anyway (records in and out,
// dead letters, late records, lag, state, the program's metrics) and the duration histograms of
// triggers and commits, at the moment of the scrape.
#pragma once

#include <memory>
#include <string>

#include "runtime/launcher/job.hpp"

namespace prometheus {
class Exposer;
class Collectable;
}  // namespace prometheus

namespace flow::runtime {

class MetricsEndpoint {
 public:
  //! Listens on `address` (HOST:PORT, run_options.hpp parse_metrics_address) and serves `job`'s metrics, which must
  //! outlive the endpoint. Null and `error` when the address cannot be bound.
  static std::unique_ptr<MetricsEndpoint> start(const std::string& address, const Job& job, std::string& error);
  ~MetricsEndpoint();
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;

  //! The port it listens on (the one the system chose for port 0).
  int port() const;

 private:
  MetricsEndpoint() = default;
  std::string host_;  //!< the address it listens on, without the port
  std::shared_ptr<prometheus::Collectable> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace flow::runtime
