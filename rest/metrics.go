package rest

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "yitong", Subsystem: "fhir", Name: "requests_total",
		Help: "FHIR API requests by interaction, method and status.",
	}, []string{"interaction", "method", "status"})
	latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "yitong", Subsystem: "fhir", Name: "request_seconds",
		Help:    "FHIR API request latency by interaction.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
	}, []string{"interaction"})
)

// Collectors returns the API's Prometheus collectors, for registration.
func Collectors() []prometheus.Collector { return []prometheus.Collector{requests, latency} }

func observe(interaction, method string, status int, d time.Duration) {
	requests.WithLabelValues(interaction, method, strconv.Itoa(status)).Inc()
	latency.WithLabelValues(interaction).Observe(d.Seconds())
}
