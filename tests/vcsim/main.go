// vcsim harness for vsmcp tests.
//
// A small wrapper around govmomi's simulator package (govmomi 0.24.2 as
// packaged by Debian) that starts a simulated vCenter (or ESXi host), prints
// its connection details to stdout as KEY=VALUE lines and then serves until
// SIGINT/SIGTERM or until stdin reaches EOF.
//
// In vCenter mode it adds what this govmomi lacks: an AlarmManager with a few of vCenter's
// default alarms, the alarm states of every entity, and -alarm to trigger some at start (see
// "alarms" below). In both modes it adds CancelTask and -task-duration, tasks that stay running
// (see "tasks" at the end of this file).
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
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
	vimxml "github.com/vmware/govmomi/vim25/xml"

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
		taskDur    = flag.String("task-duration", "", "keep the tasks of these methods running (progress moving, cancelable with CancelTask) this many milliseconds before their work is done, e.g. CloneVM_Task:3000; methods: "+supportedSlowTasks())
		alarmSpec  = flag.String("alarm", "", "VPX: trigger alarms at start, ENTITY:STATUS[:ALARM][,...]: ENTITY an inventory name or id (DC0_C0_RP0_VM0, vm-63), STATUS red or yellow, ALARM an alarm name (default: the first alarm for the entity's type)")
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
	armed, err := parseAlarmFlag(*alarmSpec)
	if bad == nil && err != nil {
		bad = err
	}
	if bad == nil && len(armed) > 0 && *esx {
		bad = fmt.Errorf("-alarm needs vCenter mode (ESXi has no AlarmManager)")
	}
	if bad == nil && *certOut != "" && !*useTLS {
		bad = fmt.Errorf("-cert-out needs -tls")
	}
	methodDelay, err := parseMethodDelay(*methodDly)
	if bad == nil && err != nil {
		bad = err
	}
	taskDurations, err := parseTaskDuration(*taskDur)
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

	if !*esx {
		am := installAlarmManager(simulator.Map)
		if err := am.arm(armed); err != nil {
			fmt.Fprintf(os.Stderr, "vcsim: -alarm: %s\n", err)
			return 2
		}
	}

	installTaskHelper(simulator.Map, taskDurations)

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
	return parseMillis("-method-delay", s)
}

// parseMillis parses METHOD:MS[,...] (the value of flag `name`).
func parseMillis(name, s string) (map[string]int, error) {
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
			return nil, fmt.Errorf("%s: want Method:milliseconds, got %q", name, item)
		}
		ms, err := strconv.Atoi(strings.TrimSpace(kv[1]))
		if err != nil || ms < 0 {
			return nil, fmt.Errorf("%s: bad milliseconds in %q", name, item)
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

// ---- alarms ------------------------------------------------------------------------------------
//
// govmomi 0.24's simulator has no AlarmManager (ServiceContent.alarmManager points at an object
// without methods) and leaves every entity's alarm states empty. Extended here the way its
// example_extend_test.go does: our own managed objects in the simulator's Map.
//
// Like vCenter: the default alarms are defined on the root folder and apply to the entities of
// their type; each entity's declaredAlarmState lists the state of every alarm that applies to
// it (green until triggered); a triggered (red or yellow) alarm is in the triggeredAlarmState of
// its entity and of every ancestor up to the root folder, and sets the entity's overallStatus.
// Every change goes through Map.Update, so property collectors (WaitForUpdatesEx) see it.
//
// Methods: GetAlarm, GetAlarmState, AcknowledgeAlarm, SetAlarmStatus (what vCenter's "Reset to
// green" sends; not in this govmomi's types, so defined below as the types package would).

// SetAlarmStatus is AlarmManager.SetAlarmStatus(alarm, entity, status).
type SetAlarmStatus SetAlarmStatusRequestType

// SetAlarmStatusRequestType is the request of SetAlarmStatus.
type SetAlarmStatusRequestType struct {
	This   types.ManagedObjectReference `xml:"_this"`
	Alarm  types.ManagedObjectReference `xml:"alarm"`
	Entity types.ManagedObjectReference `xml:"entity"`
	Status types.ManagedEntityStatus    `xml:"status"`
}

// SetAlarmStatusResponse is its empty reply.
type SetAlarmStatusResponse struct{}

// SetAlarmStatusBody is its SOAP body, as methods.*Body are.
type SetAlarmStatusBody struct {
	Req    *SetAlarmStatus         `xml:"urn:vim25 SetAlarmStatus,omitempty"`
	Res    *SetAlarmStatusResponse `xml:"SetAlarmStatusResponse,omitempty"`
	Fault_ *soap.Fault             `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault,omitempty"`
}

// Fault implements soap.HasFault.
func (b *SetAlarmStatusBody) Fault() *soap.Fault { return b.Fault_ }

func init() {
	// The simulator decodes a request by its element name through the types registry.
	types.Add("SetAlarmStatus", reflect.TypeOf((*SetAlarmStatus)(nil)).Elem())
	types.Add("SetAlarmStatusRequestType", reflect.TypeOf((*SetAlarmStatusRequestType)(nil)).Elem())
}

// Alarm is one alarm definition (vim25 Alarm: its info property).
type Alarm struct {
	mo.Alarm
	entityType string // the managed object type it watches
}

// AlarmManager is the ServiceContent.alarmManager singleton.
type AlarmManager struct {
	mo.AlarmManager

	reg    *simulator.Registry
	root   types.ManagedObjectReference
	alarms []*Alarm // defined at start, never changed: read without a lock

	mu       sync.Mutex                            // guards entities
	entities map[types.ManagedObjectReference]bool // entities with a triggered alarm of their own
}

// alarmDef is one of vCenter's default alarms, reduced to what a client reads.
type alarmDef struct {
	name, systemName, description, entityType string
	expression                                types.BaseAlarmExpression
}

func metricAlarm(entityType string, counter int32, yellow, red int32) types.BaseAlarmExpression {
	return &types.OrAlarmExpression{Expression: []types.BaseAlarmExpression{&types.MetricAlarmExpression{
		Operator: types.MetricAlarmOperatorIsAbove, Type: entityType,
		Metric: types.PerfMetricId{CounterId: counter}, Yellow: yellow, YellowInterval: 300,
		Red: red, RedInterval: 300}}}
}

func stateAlarm(entityType, path, yellow, red string) types.BaseAlarmExpression {
	return &types.OrAlarmExpression{Expression: []types.BaseAlarmExpression{&types.StateAlarmExpression{
		Operator: types.StateAlarmOperatorIsEqual, Type: entityType, StatePath: path, Yellow: yellow, Red: red}}}
}

// The first alarm of a type is what -alarm triggers when it names no alarm.
var defaultAlarms = []alarmDef{
	{"Virtual machine CPU usage", "alarm.VmCPUUsageAlarm", "Default alarm to monitor virtual machine CPU usage",
		"VirtualMachine", metricAlarm("VirtualMachine", 1, 7500, 9000)},
	{"Virtual machine memory usage", "alarm.VmMemoryUsageAlarm", "Default alarm to monitor virtual machine memory usage",
		"VirtualMachine", metricAlarm("VirtualMachine", 24, 8500, 9500)},
	{"Host connection and power state", "alarm.HostConnectionStateAlarm", "Default alarm to monitor host connection and power state",
		"HostSystem", stateAlarm("HostSystem", "runtime.connectionState", "", "notResponding")},
	{"Host CPU usage", "alarm.HostCPUUsageAlarm", "Default alarm to monitor host CPU usage",
		"HostSystem", metricAlarm("HostSystem", 2, 7500, 9000)},
	{"Host memory usage", "alarm.HostMemoryUsageAlarm", "Default alarm to monitor host memory usage",
		"HostSystem", metricAlarm("HostSystem", 24, 9000, 9500)},
	{"Datastore usage on disk", "alarm.DatastoreDiskUsageAlarm", "Default alarm to monitor datastore disk usage",
		"Datastore", metricAlarm("Datastore", 281, 7500, 8500)},
	{"Insufficient vSphere HA failover resources", "alarm.ClusterInsufficientFailoverResourcesAlarm",
		"Default alarm to alert when there are insufficient cluster resources for vSphere HA to guarantee failover",
		"ClusterComputeResource", stateAlarm("ClusterComputeResource", "summary.admissionControlInfo", "", "insufficient")},
}

// armedAlarm is one item of -alarm.
type armedAlarm struct {
	entity, alarm string
	status        types.ManagedEntityStatus
}

// parseAlarmFlag parses -alarm: ENTITY:STATUS[:ALARM][,...].
func parseAlarmFlag(s string) ([]armedAlarm, error) {
	var out []armedAlarm
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := strings.SplitN(item, ":", 3)
		if len(parts) < 2 || strings.TrimSpace(parts[0]) == "" {
			return nil, fmt.Errorf("-alarm: want ENTITY:STATUS[:ALARM], got %q", item)
		}
		a := armedAlarm{entity: strings.TrimSpace(parts[0]), status: types.ManagedEntityStatus(strings.TrimSpace(parts[1]))}
		if a.status != types.ManagedEntityStatusRed && a.status != types.ManagedEntityStatusYellow {
			return nil, fmt.Errorf("-alarm: status of %q must be red or yellow, not %q", a.entity, a.status)
		}
		if len(parts) == 3 {
			a.alarm = strings.TrimSpace(parts[2])
		}
		out = append(out, a)
	}
	return out, nil
}

// installAlarmManager replaces the methodless AlarmManager of the model with ours, defines the
// default alarms on the root folder and gives every entity its declared alarm states.
func installAlarmManager(reg *simulator.Registry) *AlarmManager {
	content := reg.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	m := &AlarmManager{reg: reg, root: content.RootFolder, entities: map[types.ManagedObjectReference]bool{}}
	m.Self = *content.AlarmManager
	now := time.Now()
	for i, d := range defaultAlarms {
		a := &Alarm{entityType: d.entityType}
		a.Self = types.ManagedObjectReference{Type: "Alarm", Value: fmt.Sprintf("alarm-%d", i+1)}
		a.Info = types.AlarmInfo{
			AlarmSpec: types.AlarmSpec{Name: d.name, SystemName: d.systemName, Description: d.description,
				Enabled: true, Expression: d.expression, Setting: &types.AlarmSetting{ReportingFrequency: 300}},
			Key: a.Self.Value, Alarm: a.Self, Entity: m.root, LastModifiedTime: now, LastModifiedUser: "",
		}
		reg.Put(a)
		m.alarms = append(m.alarms, a)
	}
	reg.Put(m)
	for _, e := range reg.All("") {
		m.declare(e, now)
	}
	reg.AddHandler(m)
	return m
}

// applies lists the alarms that apply to an entity of this type.
func (m *AlarmManager) applies(kind string) []*Alarm {
	var out []*Alarm
	for _, a := range m.alarms {
		if a.entityType == kind {
			out = append(out, a)
		}
	}
	return out
}

// declare gives a new entity the states of the alarms that apply to it, all green.
func (m *AlarmManager) declare(e mo.Entity, now time.Time) {
	me := e.Entity()
	if len(me.DeclaredAlarmState) > 0 {
		return // put again (replaced by a wrapper): keep its states
	}
	for _, a := range m.applies(me.Self.Type) {
		me.DeclaredAlarmState = append(me.DeclaredAlarmState, types.AlarmState{
			Key: stateKey(a.Self, me.Self), Entity: me.Self, Alarm: a.Self,
			OverallStatus: types.ManagedEntityStatusGreen, Time: now, Acknowledged: types.NewBool(false)})
	}
}

func stateKey(alarm, entity types.ManagedObjectReference) string {
	return alarm.Value + "." + entity.Value
}

// arm triggers the alarms of -alarm.
func (m *AlarmManager) arm(armed []armedAlarm) error {
	for _, x := range armed {
		e, err := m.findEntity(x.entity)
		if err != nil {
			return err
		}
		kind := e.Entity().Self.Type
		candidates := m.applies(kind)
		var alarm *Alarm
		for _, a := range candidates {
			if x.alarm == "" || a.Info.Name == x.alarm {
				alarm = a
				break
			}
		}
		if alarm == nil {
			var names []string
			for _, a := range candidates {
				names = append(names, fmt.Sprintf("%q", a.Info.Name))
			}
			if len(names) == 0 {
				return fmt.Errorf("no alarm of this simulator applies to a %s (%s); alarms exist for VirtualMachine, HostSystem, Datastore and ClusterComputeResource", kind, x.entity)
			}
			return fmt.Errorf("no alarm %q applies to %s %s; those that do: %s", x.alarm, kind, x.entity, strings.Join(names, ", "))
		}
		m.setStatus(e, alarm, x.status, time.Now())
	}
	return nil
}

// findEntity finds an entity by id (vm-63) or name; a name used twice is an error.
func (m *AlarmManager) findEntity(id string) (mo.Entity, error) {
	var named []mo.Entity
	for _, e := range m.reg.All("") {
		me := e.Entity()
		if me.Self.Value == id {
			return e, nil
		}
		if me.Name == id {
			named = append(named, e)
		}
	}
	switch len(named) {
	case 0:
		return nil, fmt.Errorf("no entity named or with id %q", id)
	case 1:
		return named[0], nil
	}
	var ids []string
	for _, e := range named {
		ids = append(ids, e.Entity().Self.Value)
	}
	sort.Strings(ids)
	return nil, fmt.Errorf("%d entities are named %q (%s): use the id", len(named), id, strings.Join(ids, ", "))
}

// chain is the entity and its ancestors up to the root folder (a VM in a vApp: through the vApp).
func (m *AlarmManager) chain(e mo.Entity) []mo.Entity {
	var out []mo.Entity
	for guard := 0; e != nil && guard < 256; guard++ {
		out = append(out, e)
		parent := e.Entity().Parent
		if vm, ok := e.(*simulator.VirtualMachine); ok && parent == nil {
			parent = vm.ParentVApp
		}
		if parent == nil {
			break
		}
		next, _ := m.reg.Get(*parent).(mo.Entity)
		e = next
	}
	return out
}

// writeTriggered puts `state` (nil: removes the state `key`) into the triggeredAlarmState of
// every entity of the chain, each in a list of its own: in its place when it is there already,
// else last.
func (m *AlarmManager) writeTriggered(chain []mo.Entity, key string, state *types.AlarmState) {
	for _, e := range chain {
		m.reg.WithLock(e, func() {
			list := []types.AlarmState{}
			found := false
			for _, s := range e.Entity().TriggeredAlarmState {
				switch {
				case s.Key != key:
					list = append(list, s)
				case state != nil && !found:
					list = append(list, *state)
					found = true
				}
			}
			if state != nil && !found {
				list = append(list, *state)
			}
			m.reg.Update(e, []types.PropertyChange{{Name: "triggeredAlarmState", Val: list}})
		})
	}
}

// writeOwn updates the entity's declared state `key` with `f` and its overallStatus from the
// alarms triggered on it.
func (m *AlarmManager) writeOwn(e mo.Entity, key string, f func(*types.AlarmState)) {
	m.reg.WithLock(e, func() {
		me := e.Entity()
		declared := append([]types.AlarmState(nil), me.DeclaredAlarmState...)
		for i := range declared {
			if declared[i].Key == key {
				f(&declared[i])
			}
		}
		status := types.ManagedEntityStatusGreen
		for _, s := range me.TriggeredAlarmState {
			if s.Entity != me.Self {
				continue
			}
			if s.OverallStatus == types.ManagedEntityStatusRed || status == types.ManagedEntityStatusGreen {
				status = s.OverallStatus
			}
		}
		m.reg.Update(e, []types.PropertyChange{
			{Name: "declaredAlarmState", Val: declared},
			{Name: "overallStatus", Val: status},
		})
	})
	m.mu.Lock()
	m.entities[e.Entity().Self] = true
	m.mu.Unlock()
}

// triggered returns a copy of the state `key` among the entity's triggered alarms, or nil.
func (m *AlarmManager) triggered(e mo.Entity, key string) *types.AlarmState {
	var out *types.AlarmState
	m.reg.WithLock(e, func() {
		for _, s := range e.Entity().TriggeredAlarmState {
			if s.Key == key {
				c := s
				out = &c
			}
		}
	})
	return out
}

// setStatus triggers the alarm on the entity (red, yellow) or clears it (green, gray). A change
// between red and yellow keeps the acknowledgement; clearing ends it.
func (m *AlarmManager) setStatus(e mo.Entity, a *Alarm, status types.ManagedEntityStatus, now time.Time) {
	self := e.Entity().Self
	key := stateKey(a.Self, self)
	chain := m.chain(e)
	if status == types.ManagedEntityStatusRed || status == types.ManagedEntityStatusYellow {
		state := types.AlarmState{Key: key, Entity: self, Alarm: a.Self, OverallStatus: status, Time: now,
			Acknowledged: types.NewBool(false)}
		if old := m.triggered(e, key); old != nil {
			if old.OverallStatus == status {
				return
			}
			state.Acknowledged, state.AcknowledgedByUser, state.AcknowledgedTime =
				old.Acknowledged, old.AcknowledgedByUser, old.AcknowledgedTime
		}
		m.writeTriggered(chain, key, &state)
		m.writeOwn(e, key, func(d *types.AlarmState) { *d = state })
		return
	}
	m.writeTriggered(chain, key, nil)
	m.writeOwn(e, key, func(d *types.AlarmState) {
		*d = types.AlarmState{Key: key, Entity: self, Alarm: a.Self, OverallStatus: status, Time: now,
			Acknowledged: types.NewBool(false)}
	})
}

// lookup finds the entity and the alarm of a request, or the fault to answer.
func (m *AlarmManager) lookup(ctx *simulator.Context, entity, alarm *types.ManagedObjectReference) (mo.Entity, *Alarm, *soap.Fault) {
	var e mo.Entity
	if entity != nil {
		e, _ = ctx.Map.Get(*entity).(mo.Entity)
		if e == nil {
			return nil, nil, simulator.Fault("", &types.ManagedObjectNotFound{Obj: *entity})
		}
	}
	var a *Alarm
	if alarm != nil {
		for _, x := range m.alarms {
			if x.Self == *alarm {
				a = x
			}
		}
		if a == nil {
			return nil, nil, simulator.Fault("", &types.ManagedObjectNotFound{Obj: *alarm})
		}
	}
	return e, a, nil
}

// GetAlarm: the alarms defined on the entity (all of them on the root folder), or every alarm
// when no entity is given.
func (m *AlarmManager) GetAlarm(ctx *simulator.Context, req *types.GetAlarm) soap.HasFault {
	body := &methods.GetAlarmBody{}
	e, _, fault := m.lookup(ctx, req.Entity, nil)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	res := &types.GetAlarmResponse{}
	if e == nil || e.Entity().Self == m.root {
		for _, a := range m.alarms {
			res.Returnval = append(res.Returnval, a.Self)
		}
	}
	body.Res = res
	return body
}

// GetAlarmState: the state of every alarm that applies to the entity.
func (m *AlarmManager) GetAlarmState(ctx *simulator.Context, req *types.GetAlarmState) soap.HasFault {
	body := &methods.GetAlarmStateBody{}
	e, _, fault := m.lookup(ctx, &req.Entity, nil)
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	res := &types.GetAlarmStateResponse{}
	ctx.Map.WithLock(e, func() {
		res.Returnval = append(res.Returnval, e.Entity().DeclaredAlarmState...)
	})
	body.Res = res
	return body
}

// AcknowledgeAlarm: marks a triggered alarm acknowledged by the session's user, on the entity
// and its ancestors. An alarm that does not apply to the entity is InvalidArgument; one that is
// not triggered is left as it is (vCenter does the same).
func (m *AlarmManager) AcknowledgeAlarm(ctx *simulator.Context, req *types.AcknowledgeAlarm) soap.HasFault {
	body := &methods.AcknowledgeAlarmBody{}
	e, a, fault := m.lookup(ctx, &req.Entity, &req.Alarm)
	if fault == nil && a.entityType != req.Entity.Type {
		fault = simulator.Fault(fmt.Sprintf("alarm %s does not apply to %s", a.Self.Value, req.Entity.Value),
			&types.InvalidArgument{InvalidProperty: "entity"})
	}
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	key := stateKey(a.Self, req.Entity)
	if state := m.triggered(e, key); state != nil {
		now := time.Now()
		state.Acknowledged = types.NewBool(true)
		state.AcknowledgedByUser = ctx.Session.UserName
		state.AcknowledgedTime = &now
		m.writeTriggered(m.chain(e), key, state)
		m.writeOwn(e, key, func(d *types.AlarmState) { *d = *state })
	}
	body.Res = &types.AcknowledgeAlarmResponse{}
	return body
}

// SetAlarmStatus: sets an alarm's status on an entity; green or gray resets a triggered alarm.
func (m *AlarmManager) SetAlarmStatus(ctx *simulator.Context, req *SetAlarmStatus) soap.HasFault {
	body := &SetAlarmStatusBody{}
	e, a, fault := m.lookup(ctx, &req.Entity, &req.Alarm)
	if fault == nil && a.entityType != req.Entity.Type {
		fault = simulator.Fault(fmt.Sprintf("alarm %s does not apply to %s", a.Self.Value, req.Entity.Value),
			&types.InvalidArgument{InvalidProperty: "entity"})
	}
	switch req.Status {
	case types.ManagedEntityStatusGreen, types.ManagedEntityStatusGray, types.ManagedEntityStatusYellow,
		types.ManagedEntityStatusRed:
	default:
		if fault == nil {
			fault = simulator.Fault(fmt.Sprintf("invalid status %q", req.Status),
				&types.InvalidArgument{InvalidProperty: "status"})
		}
	}
	if fault != nil {
		body.Fault_ = fault
		return body
	}
	m.setStatus(e, a, req.Status, time.Now())
	body.Res = &SetAlarmStatusResponse{}
	return body
}

// PutObject (RegisterObject): a new entity gets its declared alarm states.
func (m *AlarmManager) PutObject(o mo.Reference) {
	if e, ok := o.(mo.Entity); ok {
		m.declare(e, time.Now())
	}
}

// UpdateObject (RegisterObject): nothing to do.
func (m *AlarmManager) UpdateObject(mo.Reference, []types.PropertyChange) {}

// RemoveObject (RegisterObject): the alarms triggered on a removed entity leave its ancestors'
// triggered states. Later, on a goroutine: the caller may hold locks of those ancestors.
func (m *AlarmManager) RemoveObject(ref types.ManagedObjectReference) {
	m.mu.Lock()
	had := m.entities[ref]
	delete(m.entities, ref)
	m.mu.Unlock()
	if !had {
		return
	}
	e, ok := m.reg.Get(ref).(mo.Entity)
	if !ok {
		return
	}
	ancestors := m.chain(e)[1:]
	go func() {
		for _, a := range m.alarms {
			m.writeTriggered(ancestors, stateKey(a.Self, ref), nil)
		}
	}()
}

// ---- tasks ---------------------------------------------------------------------------------------
//
// govmomi 0.24's simulator runs a task to its end inside the SOAP call that creates it, and its
// Task has no CancelTask ("does not implement: CancelTask"). Added here:
//
//   - -task-duration METHOD:MS[,...]: such a call answers at once with a task that stays running
//     (info.progress moving, info.cancelable true) for MS milliseconds; then the simulator's own
//     method does the work, and the task ends with its result or fault. Cancelled before, the work
//     is never done (a CloneVM_Task creates no VM).
//   - CancelTask on every Task: a running task of -task-duration ends in state error with a
//     RequestCanceled fault and info.cancelled true; a finished (or already cancelled) task is
//     InvalidState, as in vCenter; one whose work is under way is NotSupported (not cancelable).
//
// The simulator finds a method on the object its _this names. Neither VirtualMachine nor Task can
// get methods from here without wrapping every such object (and the simulator type-asserts them),
// so the request types of these methods are replaced in the types registry the simulator decodes
// with: the replacement keeps the real _this aside and addresses a helper object of ours instead.

// taskHelperRef is the helper object that receives the redirected calls.
var taskHelperRef = types.ManagedObjectReference{Type: "VsmcpTaskHelper", Value: "vsmcp-task-helper"}

// slowTaskMethods are the methods -task-duration accepts, with the descriptionId suffix vCenter
// gives their tasks. Each needs a method of taskHelper named as the simulator names it (below).
var slowTaskMethods = map[string]string{
	"CloneVM_Task":    "clone",
	"RelocateVM_Task": "relocate",
	"ReconfigVM_Task": "reconfigure",
	"PowerOnVM_Task":  "powerOn",
	"PowerOffVM_Task": "powerOff",
	"Destroy_Task":    "destroy",
}

// goMethodName is the Go method the simulator calls for a SOAP method (Foo_Task: FooTask).
func goMethodName(method string) string {
	name := strings.Title(method)
	if strings.HasSuffix(name, "_Task") {
		name = strings.TrimSuffix(name, "_Task") + "Task"
	}
	return name
}

func supportedSlowTasks() string {
	var names []string
	for n := range slowTaskMethods {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// parseTaskDuration parses -task-duration: METHOD:MS[,...].
func parseTaskDuration(s string) (map[string]time.Duration, error) {
	ms, err := parseMillis("-task-duration", s)
	if err != nil || ms == nil {
		return nil, err
	}
	out := make(map[string]time.Duration)
	for name, v := range ms {
		if _, ok := slowTaskMethods[name]; !ok {
			return nil, fmt.Errorf("-task-duration: %q is not supported; methods: %s", name, supportedSlowTasks())
		}
		out[name] = time.Duration(v) * time.Millisecond
	}
	return out, nil
}

// slowTaskRequest is the decoded request of a -task-duration method: the simulator's own request
// (Req, of the type it registered) and its _this (Target); This addresses the helper.
type slowTaskRequest struct {
	This   types.ManagedObjectReference
	Method string
	Target types.ManagedObjectReference
	Req    interface{}
}

// originalTypes are the request types registered before ours replaced them.
var originalTypes = map[string]reflect.Type{}

// UnmarshalXML decodes the element as its original type would be, then redirects This.
func (r *slowTaskRequest) UnmarshalXML(d *vimxml.Decoder, start vimxml.StartElement) error {
	kind, ok := originalTypes[start.Name.Local]
	if !ok {
		return fmt.Errorf("no original type for %s", start.Name.Local)
	}
	v := reflect.New(kind)
	if err := d.DecodeElement(v.Interface(), &start); err != nil {
		return err
	}
	this, _ := v.Elem().FieldByName("This").Interface().(types.ManagedObjectReference)
	*r = slowTaskRequest{This: taskHelperRef, Method: start.Name.Local, Target: this, Req: v.Interface()}
	return nil
}

// cancelTaskRequest is CancelTask with This redirected to the helper and the task in Task.
type cancelTaskRequest struct {
	This types.ManagedObjectReference
	Task types.ManagedObjectReference
}

// UnmarshalXML decodes a CancelTask element.
func (r *cancelTaskRequest) UnmarshalXML(d *vimxml.Decoder, start vimxml.StartElement) error {
	var req types.CancelTask
	if err := d.DecodeElement(&req, &start); err != nil {
		return err
	}
	*r = cancelTaskRequest{This: taskHelperRef, Task: req.This}
	return nil
}

// slowTask is the state of one task of -task-duration.
type slowTask struct {
	cancel chan struct{} // closed by CancelTask

	mu        sync.Mutex
	cancelled bool // CancelTask accepted
	working   bool // the simulator's method runs: no longer cancelable
	finished  bool
}

// taskHelper receives the redirected calls. Its first field is an mo type, as the property
// collector expects of every object in the Map.
type taskHelper struct {
	mo.ExtensibleManagedObject

	durations map[string]time.Duration

	mu      sync.Mutex
	running map[types.ManagedObjectReference]*slowTask
}

// installTaskHelper redirects CancelTask and the methods of -task-duration to a helper object.
// Call before the server starts (it changes the types registry).
func installTaskHelper(reg *simulator.Registry, durations map[string]time.Duration) {
	h := &taskHelper{durations: durations, running: map[types.ManagedObjectReference]*slowTask{}}
	h.Self = taskHelperRef
	reg.Put(h)
	lookup := types.TypeFunc()
	for name := range durations {
		if kind, ok := lookup(name); ok {
			originalTypes[name] = kind
			types.Add(name, reflect.TypeOf(slowTaskRequest{}))
		}
	}
	types.Add("CancelTask", reflect.TypeOf(cancelTaskRequest{}))
}

// The methods of slowTaskMethods, as the simulator names them.

func (h *taskHelper) CloneVMTask(ctx *simulator.Context, req *slowTaskRequest) soap.HasFault {
	return h.reply(ctx, req, &methods.CloneVM_TaskBody{})
}

func (h *taskHelper) RelocateVMTask(ctx *simulator.Context, req *slowTaskRequest) soap.HasFault {
	return h.reply(ctx, req, &methods.RelocateVM_TaskBody{})
}

func (h *taskHelper) ReconfigVMTask(ctx *simulator.Context, req *slowTaskRequest) soap.HasFault {
	return h.reply(ctx, req, &methods.ReconfigVM_TaskBody{})
}

func (h *taskHelper) PowerOnVMTask(ctx *simulator.Context, req *slowTaskRequest) soap.HasFault {
	return h.reply(ctx, req, &methods.PowerOnVM_TaskBody{})
}

func (h *taskHelper) PowerOffVMTask(ctx *simulator.Context, req *slowTaskRequest) soap.HasFault {
	return h.reply(ctx, req, &methods.PowerOffVM_TaskBody{})
}

func (h *taskHelper) DestroyTask(ctx *simulator.Context, req *slowTaskRequest) soap.HasFault {
	return h.reply(ctx, req, &methods.Destroy_TaskBody{})
}

// reply starts the task and fills body (a methods.*_TaskBody) with its reference or the fault.
func (h *taskHelper) reply(ctx *simulator.Context, req *slowTaskRequest, body soap.HasFault) soap.HasFault {
	ref, fault := h.start(ctx, req)
	b := reflect.ValueOf(body).Elem()
	if fault != nil {
		b.FieldByName("Fault_").Set(reflect.ValueOf(fault))
		return body
	}
	res := reflect.New(b.FieldByName("Res").Type().Elem())
	res.Elem().FieldByName("Returnval").Set(reflect.ValueOf(ref))
	b.FieldByName("Res").Set(res)
	return body
}

// target finds the object and the simulator's method a redirected request is for.
func (h *taskHelper) target(ctx *simulator.Context, req *slowTaskRequest) (mo.Reference, reflect.Value, *soap.Fault) {
	obj := ctx.Map.Get(req.Target)
	if obj == nil {
		return nil, reflect.Value{}, simulator.Fault(fmt.Sprintf("managed object not found: %s", req.Target),
			&types.ManagedObjectNotFound{Obj: req.Target})
	}
	m := reflect.ValueOf(obj).MethodByName(goMethodName(req.Method))
	if !m.IsValid() || m.Type().NumIn() == 0 || m.Type().In(m.Type().NumIn()-1) != reflect.TypeOf(req.Req) {
		return nil, reflect.Value{}, simulator.Fault(fmt.Sprintf("%s does not implement: %s", req.Target, req.Method),
			&types.MethodNotFound{Receiver: req.Target, Method: req.Method})
	}
	if e, ok := obj.(mo.Entity); ok {
		for _, dm := range e.Entity().DisabledMethod {
			if dm == goMethodName(req.Method) || dm == req.Method {
				return nil, reflect.Value{}, simulator.Fault(fmt.Sprintf("%s method is disabled: %s", req.Target, req.Method),
					&types.MethodDisabled{})
			}
		}
	}
	return obj, m, nil
}

// start creates the task (queued, cancelable) and runs it on a goroutine.
func (h *taskHelper) start(ctx *simulator.Context, req *slowTaskRequest) (types.ManagedObjectReference, *soap.Fault) {
	obj, _, fault := h.target(ctx, req)
	if fault != nil {
		return types.ManagedObjectReference{}, fault
	}
	t := simulator.CreateTask(obj, goMethodName(req.Method), func(*simulator.Task) (types.AnyType, types.BaseMethodFault) {
		return nil, &types.SystemError{Reason: "run by the vsmcp task helper"}
	})
	ctx.Map.WithLock(t, func() {
		ctx.Map.Update(t, []types.PropertyChange{
			{Name: "info.cancelable", Val: true},
			{Name: "info.descriptionId", Val: req.Target.Type + "." + slowTaskMethods[req.Method]},
		})
	})
	st := &slowTask{cancel: make(chan struct{})}
	h.mu.Lock()
	h.running[t.Self] = st
	h.mu.Unlock()

	c := *ctx // the request's context ends with the call
	target := req.Target
	c.Caller = &target // the simulator's method runs with the target locked, as when called directly
	go h.work(&c, st, t, req, h.durations[req.Method])
	return t.Self, nil
}

func (h *taskHelper) update(ctx *simulator.Context, t *simulator.Task, changes ...types.PropertyChange) {
	ctx.Map.WithLock(t, func() { ctx.Map.Update(t, changes) })
}

// work keeps the task running for d (progress moving), then does its work unless cancelled.
func (h *taskHelper) work(ctx *simulator.Context, st *slowTask, t *simulator.Task, req *slowTaskRequest, d time.Duration) {
	defer func() {
		h.mu.Lock()
		delete(h.running, t.Self)
		h.mu.Unlock()
	}()
	begin := time.Now()
	h.update(ctx, t,
		types.PropertyChange{Name: "info.startTime", Val: begin},
		types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateRunning},
		types.PropertyChange{Name: "info.progress", Val: int32(0)})

	step := d / 10
	if step < 50*time.Millisecond {
		step = 50 * time.Millisecond
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for {
		left := d - time.Since(begin)
		if left <= 0 {
			break
		}
		if left > step {
			left = step
		}
		timer.Reset(left)
		select {
		case <-st.cancel:
			h.finishCancelled(ctx, st, t)
			return
		case <-timer.C:
		}
		if p := int32(time.Since(begin) * 100 / d); p < 100 {
			h.update(ctx, t, types.PropertyChange{Name: "info.progress", Val: p})
		}
	}

	st.mu.Lock()
	if st.cancelled {
		st.mu.Unlock()
		h.finishCancelled(ctx, st, t)
		return
	}
	st.working = true
	st.mu.Unlock()
	h.update(ctx, t, types.PropertyChange{Name: "info.cancelable", Val: false})

	result, fault := h.execute(ctx, req)

	st.mu.Lock()
	st.finished = true
	st.mu.Unlock()
	changes := []types.PropertyChange{{Name: "info.completeTime", Val: time.Now()}}
	if fault != nil {
		changes = append(changes,
			types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateError},
			types.PropertyChange{Name: "info.error", Val: *fault})
	} else {
		changes = append(changes,
			types.PropertyChange{Name: "info.progress", Val: int32(100)},
			types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateSuccess},
			types.PropertyChange{Name: "info.result", Val: result})
	}
	h.update(ctx, t, changes...)
}

// finishCancelled ends a cancelled task: error RequestCanceled, info.cancelled true.
func (h *taskHelper) finishCancelled(ctx *simulator.Context, st *slowTask, t *simulator.Task) {
	st.mu.Lock()
	st.finished = true
	st.mu.Unlock()
	h.update(ctx, t,
		types.PropertyChange{Name: "info.completeTime", Val: time.Now()},
		types.PropertyChange{Name: "info.cancelled", Val: true},
		types.PropertyChange{Name: "info.state", Val: types.TaskInfoStateError},
		types.PropertyChange{Name: "info.error", Val: types.LocalizedMethodFault{
			Fault: &types.RequestCanceled{}, LocalizedMessage: "The task was canceled by a user."}})
}

// execute calls the simulator's own method and returns the outcome of the task it ran. That task
// is then dropped (from the Map and the TaskManager's recentTask): the client knows only ours.
func (h *taskHelper) execute(ctx *simulator.Context, req *slowTaskRequest) (types.AnyType, *types.LocalizedMethodFault) {
	failed := func(f *soap.Fault) *types.LocalizedMethodFault {
		if mf, ok := f.VimFault().(types.BaseMethodFault); ok {
			return &types.LocalizedMethodFault{Fault: mf, LocalizedMessage: f.String}
		}
		return &types.LocalizedMethodFault{Fault: &types.SystemError{Reason: f.String}, LocalizedMessage: f.String}
	}
	obj, m, fault := h.target(ctx, req)
	if fault != nil {
		return nil, failed(fault)
	}
	args := []reflect.Value{reflect.ValueOf(req.Req)}
	if m.Type().NumIn() == 2 {
		args = append([]reflect.Value{reflect.ValueOf(ctx)}, args...)
	}
	var out []reflect.Value
	ctx.Map.WithLock(obj, func() { out = m.Call(args) })
	body, _ := out[0].Interface().(soap.HasFault)
	if body == nil {
		return nil, failed(simulator.Fault("no reply", &types.SystemError{Reason: "no reply"}))
	}
	if f := body.Fault(); f != nil {
		return nil, failed(f)
	}
	res := reflect.ValueOf(body).Elem().FieldByName("Res")
	if !res.IsValid() || res.IsNil() {
		return nil, failed(simulator.Fault("no result", &types.SystemError{Reason: "no result"}))
	}
	ref, _ := res.Elem().FieldByName("Returnval").Interface().(types.ManagedObjectReference)
	inner, ok := ctx.Map.Get(ref).(*simulator.Task)
	if !ok {
		return nil, failed(simulator.Fault("no task", &types.SystemError{Reason: "no task"}))
	}
	var info types.TaskInfo
	ctx.Map.WithLock(inner, func() { info = inner.Info })
	h.drop(ctx, ref)
	if info.Error != nil {
		return nil, info.Error
	}
	return info.Result, nil
}

// drop removes a finished task of the simulator from the TaskManager's recentTask and the Map.
func (h *taskHelper) drop(ctx *simulator.Context, ref types.ManagedObjectReference) {
	content := ctx.Map.Get(vim25.ServiceInstance).(*simulator.ServiceInstance).Content
	if content.TaskManager != nil {
		if tm, ok := ctx.Map.Get(*content.TaskManager).(*simulator.TaskManager); ok {
			tm.Lock()
			recent := []types.ManagedObjectReference{}
			for _, r := range tm.RecentTask {
				if r != ref {
					recent = append(recent, r)
				}
			}
			ctx.Map.Update(tm, []types.PropertyChange{{Name: "recentTask", Val: recent}})
			tm.Unlock()
		}
	}
	ctx.Map.Remove(ref)
}

// CancelTask (any Task): see the top of this section.
func (h *taskHelper) CancelTask(ctx *simulator.Context, req *cancelTaskRequest) soap.HasFault {
	body := &methods.CancelTaskBody{}
	obj := ctx.Map.Get(req.Task)
	if obj == nil {
		body.Fault_ = simulator.Fault(fmt.Sprintf("managed object not found: %s", req.Task),
			&types.ManagedObjectNotFound{Obj: req.Task})
		return body
	}
	t, ok := obj.(*simulator.Task)
	if !ok {
		body.Fault_ = simulator.Fault(fmt.Sprintf("%s does not implement: CancelTask", req.Task),
			&types.MethodNotFound{Receiver: req.Task, Method: "CancelTask"})
		return body
	}
	invalid := func(msg string) *soap.Fault { return simulator.Fault(msg, &types.InvalidState{}) }
	h.mu.Lock()
	st := h.running[req.Task]
	h.mu.Unlock()
	if st == nil {
		// A task of the simulator: finished when its call answered.
		var state types.TaskInfoState
		ctx.Map.WithLock(t, func() { state = t.Info.State })
		if state == types.TaskInfoStateSuccess || state == types.TaskInfoStateError {
			body.Fault_ = invalid(fmt.Sprintf("task %s has already completed (%s)", req.Task.Value, state))
		} else {
			body.Fault_ = simulator.Fault(fmt.Sprintf("task %s is not cancelable", req.Task.Value), &types.NotSupported{})
		}
		return body
	}
	st.mu.Lock()
	switch {
	case st.finished:
		body.Fault_ = invalid(fmt.Sprintf("task %s has already completed", req.Task.Value))
	case st.cancelled:
		body.Fault_ = invalid(fmt.Sprintf("task %s is already being cancelled", req.Task.Value))
	case st.working:
		body.Fault_ = simulator.Fault(fmt.Sprintf("task %s is not cancelable any more", req.Task.Value), &types.NotSupported{})
	default:
		st.cancelled = true
		close(st.cancel)
	}
	st.mu.Unlock()
	if body.Fault_ != nil {
		return body
	}
	h.update(ctx, t, types.PropertyChange{Name: "info.cancelled", Val: true})
	body.Res = &types.CancelTaskResponse{}
	return body
}
