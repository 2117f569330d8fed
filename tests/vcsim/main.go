// vcsim harness for vsmcp tests.
//
// A small wrapper around govmomi's simulator package (govmomi 0.24.2 as
// packaged by Debian) that starts a simulated vCenter (or ESXi host), prints
// its connection details to stdout as KEY=VALUE lines and then serves until
// SIGINT/SIGTERM or until stdin reaches EOF.
//
// Build with scripts/build-vcsim.sh (GOPATH mode, GO111MODULE=off).
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"

	// Extra endpoints, enabled by Service.RegisterEndpoints (VPX mode only):
	// /rest (vAPI: session, tagging, content library, cluster modules, namespaces),
	// /lookupservice/sdk, /sts, /pbm and the CNS endpoint.
	_ "github.com/vmware/govmomi/cns/simulator"
	_ "github.com/vmware/govmomi/lookup/simulator"
	_ "github.com/vmware/govmomi/pbm/simulator"
	_ "github.com/vmware/govmomi/sts/simulator"
	_ "github.com/vmware/govmomi/vapi/cluster/simulator"
	_ "github.com/vmware/govmomi/vapi/namespace/simulator"
	_ "github.com/vmware/govmomi/vapi/simulator"
)

// vapiSessionPath is where vAPI clients log in with HTTP basic auth.
const vapiSessionPath = "/rest/com/vmware/cis/session"

func main() {
	log.SetFlags(log.LstdFlags)
	log.SetPrefix("vcsim: ")
	os.Exit(run())
}

func run() int {
	vpx := simulator.VPX()

	var (
		listen     = flag.String("listen", "127.0.0.1:0", "address to listen on (port 0 picks a free port)")
		esx        = flag.Bool("esx", false, "simulate a standalone ESXi host instead of vCenter")
		useTLS     = flag.Bool("tls", true, "serve HTTPS")
		builtin    = flag.Bool("builtin-cert", false, "use the simulator's built-in certificate (RSA-1024, rejected by OpenSSL 3 at SECLEVEL 2) instead of generating a fresh RSA-2048 one")
		username   = flag.String("username", "user", "the only user name Login accepts (empty: accept any non-empty credentials)")
		password   = flag.String("password", "pass", "the only password Login accepts")
		delay      = flag.Int("delay", 0, "delay in milliseconds added to every SOAP call")
		jitter     = flag.Float64("delay-jitter", 0, "delay jitter as a coefficient of variation (stddev/mean)")
		methodDly  = flag.String("method-delay", "", "per-method delays in milliseconds, e.g. PowerOnVM_Task:500,RetrievePropertiesEx:100")
		autostart  = flag.Bool("autostart", true, "power on the VMs the model creates")
		certOut    = flag.String("cert-out", "", "write the server certificate (PEM) to this path")
		watchStdin = flag.Bool("watch-stdin", true, "exit when stdin reaches EOF (disable when started with stdin at /dev/null)")
		trace      = flag.Bool("trace", false, "write SOAP traffic to stderr")
	)

	// Inventory shape, defaults taken from the model itself.
	// The defaults shown are VPX's; with -esx, flags not given keep ESX()'s defaults.
	var inv simulator.Model
	flag.IntVar(&inv.Datacenter, "dc", vpx.Datacenter, "VPX: number of datacenters")
	flag.IntVar(&inv.Cluster, "cluster", vpx.Cluster, "VPX: clusters per datacenter")
	flag.IntVar(&inv.ClusterHost, "host", vpx.ClusterHost, "VPX: hosts per cluster")
	flag.IntVar(&inv.Host, "standalone-host", vpx.Host, "VPX: standalone hosts per datacenter")
	flag.IntVar(&inv.Pool, "pool", vpx.Pool, "VPX: child resource pools per cluster (these get no VMs)")
	flag.IntVar(&inv.Machine, "vm", vpx.Machine, "VMs per cluster root pool, per standalone host, per vApp (ESX: on the host)")
	flag.IntVar(&inv.Datastore, "ds", vpx.Datastore, "local datastores (mounted on every host of a datacenter)")
	flag.IntVar(&inv.Folder, "folder", vpx.Folder, "VPX: number of datacenters placed in folders")
	flag.IntVar(&inv.App, "app", vpx.App, "VPX: vApps per cluster")
	flag.IntVar(&inv.Pod, "pod", vpx.Pod, "VPX: storage pods per datacenter")
	flag.IntVar(&inv.Portgroup, "portgroup", vpx.Portgroup, "VPX: distributed portgroups per datacenter (on one DVS per datacenter)")
	flag.IntVar(&inv.Portgroup, "pg", vpx.Portgroup, "alias of -portgroup")
	flag.IntVar(&inv.PortgroupNSX, "portgroup-nsx", vpx.PortgroupNSX, "VPX: NSX-backed distributed portgroups per datacenter")
	flag.IntVar(&inv.OpaqueNetwork, "opaque-network", vpx.OpaqueNetwork, "VPX: NSX opaque networks per datacenter")
	flag.Parse()

	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "vcsim: unexpected arguments: %v\n", flag.Args())
		flag.Usage()
		return 2
	}

	model := vpx
	mode := "vpx"
	if *esx {
		model = simulator.ESX()
		mode = "esx"
	}

	// Apply only the inventory flags that were given, so each mode keeps its own defaults.
	vpxOnly := map[string]bool{"dc": true, "cluster": true, "host": true, "standalone-host": true,
		"pool": true, "folder": true, "app": true, "pod": true, "portgroup": true, "pg": true,
		"portgroup-nsx": true, "opaque-network": true}
	var bad error
	flag.Visit(func(f *flag.Flag) {
		if *esx && vpxOnly[f.Name] {
			bad = fmt.Errorf("flag -%s is only valid without -esx", f.Name)
			return
		}
		switch f.Name {
		case "dc":
			model.Datacenter = inv.Datacenter
		case "cluster":
			model.Cluster = inv.Cluster
		case "host":
			model.ClusterHost = inv.ClusterHost
		case "standalone-host":
			model.Host = inv.Host
		case "pool":
			model.Pool = inv.Pool
		case "vm":
			model.Machine = inv.Machine
		case "ds":
			model.Datastore = inv.Datastore
		case "folder":
			model.Folder = inv.Folder
		case "app":
			model.App = inv.App
		case "pod":
			model.Pod = inv.Pod
		case "portgroup", "pg":
			model.Portgroup = inv.Portgroup
		case "portgroup-nsx":
			model.PortgroupNSX = inv.PortgroupNSX
		case "opaque-network":
			model.OpaqueNetwork = inv.OpaqueNetwork
		}
	})
	if bad == nil && model.Machine > 0 && model.Datastore < 1 {
		bad = fmt.Errorf("-vm > 0 needs -ds >= 1 (VMs are placed on LocalDS_0)")
	}
	if bad == nil && *certOut != "" && !*useTLS {
		bad = fmt.Errorf("-cert-out needs -tls")
	}
	methodDelay, err := parseMethodDelay(*methodDly)
	if bad == nil && err != nil {
		bad = err
	}
	if bad != nil {
		fmt.Fprintf(os.Stderr, "vcsim: %s\n", bad)
		return 2
	}

	simulator.Trace = *trace
	model.Autostart = *autostart
	model.DelayConfig.Delay = *delay
	model.DelayConfig.DelayJitter = *jitter
	model.DelayConfig.MethodDelay = methodDelay

	start := time.Now()
	if err := model.Create(); err != nil {
		log.Printf("creating model: %s", err)
		model.Remove()
		return 1
	}
	defer model.Remove()

	svc := model.Service
	svc.Listen = &url.URL{Host: *listen}
	if *username != "" {
		// A fresh Userinfo (not simulator.DefaultLogin) makes SessionManager.Login
		// accept exactly these credentials and return InvalidLogin otherwise.
		svc.Listen.User = url.UserPassword(*username, *password)
	}
	svc.RegisterEndpoints = true
	if *useTLS {
		svc.TLS = new(tls.Config)
		if !*builtin {
			cert, err := newCertificate(*listen)
			if err != nil {
				log.Printf("generating certificate: %s", err)
				return 1
			}
			svc.TLS.Certificates = []tls.Certificate{cert}
		}
	}
	// Runs after the vAPI endpoint registered itself (imports' init funcs run first).
	simulator.RegisterEndpoint(func(s *simulator.Service, r *simulator.Registry) {
		guardVAPILogin(s, *username, *password)
	})

	server, err := startServer(svc)
	if err != nil {
		log.Printf("starting server: %s", err)
		return 1
	}
	count := model.Count()
	log.Printf("%s simulator ready in %s: %d datacenters, %d clusters, %d hosts, %d VMs",
		mode, time.Since(start).Round(time.Millisecond), count.Datacenter, count.Cluster, count.Host, count.Machine)

	u := *server.URL
	u.User = nil
	u.RawQuery = ""
	lines := []string{"VCSIM_URL=" + u.String()}
	if *useTLS {
		cert := server.Certificate()
		lines = append(lines, "VCSIM_THUMBPRINT="+fingerprint(sha256.Sum256(cert.Raw)))
		if *certOut != "" {
			data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
			if err := ioutil.WriteFile(*certOut, data, 0644); err != nil {
				log.Printf("writing certificate: %s", err)
				server.Close()
				return 1
			}
			lines = append(lines, "VCSIM_CERT="+*certOut)
		}
	}
	lines = append(lines, "VCSIM_MODE="+mode, "VCSIM_READY")
	// os.Stdout is unbuffered: each line goes out immediately.
	for _, l := range lines {
		fmt.Fprintln(os.Stdout, l)
	}

	done := make(chan string, 2)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() { done <- (<-sigs).String() }()
	if *watchStdin {
		go func() {
			_, _ = io.Copy(ioutil.Discard, os.Stdin)
			done <- "stdin EOF"
		}()
	}

	log.Printf("stopping: %s", <-done)
	closeServer(server)
	return 0
}

// startServer calls NewServer, turning its panics (e.g. address in use) into errors.
func startServer(svc *simulator.Service) (s *simulator.Server, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return svc.NewServer(), nil
}

// closeServer closes the server, not waiting more than a few seconds for
// outstanding requests (e.g. WaitForUpdatesEx long polls).
func closeServer(s *simulator.Server) {
	c := make(chan struct{})
	go func() {
		s.Close()
		close(c)
	}()
	select {
	case <-c:
	case <-time.After(3 * time.Second):
		s.CloseClientConnections()
		select {
		case <-c:
		case <-time.After(2 * time.Second):
			log.Print("server did not stop in time")
		}
	}
}

// guardVAPILogin makes POST /rest/com/vmware/cis/session check the basic auth
// credentials: the vAPI simulator itself accepts any non-empty user and password.
func guardVAPILogin(s *simulator.Service, user, pass string) {
	if user == "" || s.ServeMux == nil {
		return
	}
	h, pattern := s.ServeMux.Handler(&http.Request{Method: http.MethodPost, URL: &url.URL{Path: vapiSessionPath}})
	if pattern == "" || pattern == "/" || pattern == vapiSessionPath {
		return // no vAPI endpoint (ESX mode)
	}
	s.ServeMux.Handle(vapiSessionPath, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Query().Get("~action") == "" {
			if u, p, ok := r.BasicAuth(); ok && (u != user || p != pass) {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
}

func parseMethodDelay(s string) (map[string]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := make(map[string]int)
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		kv := strings.SplitN(item, ":", 2)
		if len(kv) != 2 || strings.TrimSpace(kv[0]) == "" {
			return nil, fmt.Errorf("-method-delay: want Method:milliseconds, got %q", item)
		}
		ms, err := strconv.Atoi(strings.TrimSpace(kv[1]))
		if err != nil || ms < 0 {
			return nil, fmt.Errorf("-method-delay: bad delay in %q", item)
		}
		m[strings.TrimSpace(kv[0])] = ms
	}
	return m, nil
}

func fingerprint(sum [sha256.Size]byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// newCertificate makes a self-signed RSA-2048 certificate valid for localhost,
// 127.0.0.1, ::1 and the listen host (all local addresses if unspecified).
func newCertificate(listen string) (tls.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return tls.Certificate{}, err
	}
	pub := x509.MarshalPKCS1PublicKey(&key.PublicKey)
	skid := sha1.Sum(pub)

	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "localhost", Organization: []string{"vsmcp vcsim"}},
		NotBefore:             time.Now().Add(-24 * time.Hour),
		NotAfter:              time.Now().Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // self-signed: usable directly as a CA bundle
		SubjectKeyId:          skid[:],
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}

	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		host = listen
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() || host == "" {
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					tmpl.IPAddresses = appendIP(tmpl.IPAddresses, n.IP)
				}
			}
		}
	} else if ip != nil {
		tmpl.IPAddresses = appendIP(tmpl.IPAddresses, ip)
	} else if host != "localhost" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
	}

	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func appendIP(ips []net.IP, ip net.IP) []net.IP {
	for _, x := range ips {
		if x.Equal(ip) {
			return ips
		}
	}
	return append(ips, ip)
}
