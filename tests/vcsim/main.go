// vcsim harness for vsmcp tests.
//
// A small wrapper around govmomi's simulator package (govmomi 0.24.2 as
// packaged by Debian) that starts a simulated vCenter (or ESXi host), prints
// its connection details to stdout as KEY=VALUE lines and then serves until
// SIGINT/SIGTERM or until stdin reaches EOF.
//
// In vCenter mode it adds what this govmomi lacks: an AlarmManager with a few of vCenter's
// default alarms, the alarm states of every entity, and -alarm to trigger some at start (see
// "alarms" at the end of this file).
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
