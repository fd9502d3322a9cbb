// Command pulumi-language-python is Scope Manager's Python language host for the Pulumi engine.
//
// Why it exists: the upstream host (module github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3)
// carries no version tags, and the Go module proxy our machines reach refuses it in every form (listing,
// commit, pseudo-version: "403 This module version is not available"). Everything else the engine needs
// is served: the CLI (pkg/v3) and the SDK (sdk/v3), whose python/toolchain package holds the upstream
// host's own virtualenv and interpreter logic. This host is the thin RPC shell around those pieces:
//
//   - Run starts the SDK's own pulumi-language-python-exec script (shipped in the sdk/v3 module, copied
//     beside this binary) with the arguments and PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS environment
//     the upstream host passes, in the virtualenv that Pulumi.yaml names;
//   - RunPlugin starts a Python plugin directory's __main__.py (how the engine runs a policy pack);
//   - InstallDependencies, About and GetProgramDependencies delegate to python/toolchain.
//
// It implements only what a Python project without plugin packages needs (Scope Manager's resources
// are dynamic providers, served by the SDK's pulumi-resource-pulumi-python script); the other RPCs
// answer Unimplemented, which the engine treats as "not supported". docs/engine.md says more.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/cmdutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The exec script reports "I already showed the user an actionable message" with this exit code;
// the engine is then told to bail without printing a second, generic error.
const userActionableExitCode = 32

func main() {
	flag.String("tracing", "", "Emit tracing to a Zipkin-compatible endpoint (accepted, not used)")
	flag.String("root", "", "Project root directory (accepted for compatibility; requests carry it)")
	flag.Parse()

	engineAddress := ""
	if args := flag.Args(); len(args) > 0 {
		engineAddress = args[0]
	}
	executor, err := findExecutor()
	if err != nil {
		cmdutil.Exit(err)
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, &host{executor: executor, engineAddress: engineAddress})
			return nil
		},
	})
	if err != nil {
		cmdutil.Exit(fmt.Errorf("could not start the language host RPC server: %w", err))
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		cmdutil.Exit(fmt.Errorf("language host RPC stopped serving: %w", err))
	}
}

// findExecutor locates pulumi-language-python-exec beside this binary, as the upstream host does.
func findExecutor() (string, error) {
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	candidate := filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
	if _, err := os.Stat(candidate); err != nil {
		return "", fmt.Errorf("pulumi-language-python-exec not found beside %s: %w", self, err)
	}
	return candidate, nil
}

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	executor      string
	engineAddress string
}

func (h *host) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(ctx context.Context, _ *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

// GetRequiredPlugins answers "none": the project's resources are dynamic providers, whose plugin
// (pulumi-resource-pulumi-python) the engine finds beside the CLI without being told.
func (h *host) GetRequiredPlugins(
	ctx context.Context, req *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// Run executes the Pulumi program through the SDK's exec script, as the upstream host does.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	if req.GetAttachDebugger() {
		return nil, errors.New("attaching a debugger is not supported by this language host")
	}
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	cmd, err := pythonCommand(ctx, tc, append([]string{"-u", h.executor}, h.runArguments(req)...)...)
	if err != nil {
		return nil, err
	}
	env, err := configEnvironment(req)
	if err != nil {
		return nil, err
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr

	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if status, ok := exitErr.Sys().(syscall.WaitStatus); ok {
				if status.ExitStatus() == userActionableExitCode {
					return &pulumirpc.RunResponse{Bail: true}, nil
				}
				return &pulumirpc.RunResponse{
					Error: fmt.Sprintf("Program exited with non-zero exit code: %d", status.ExitStatus()),
				}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited unexpectedly: %v", exitErr)}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run language executor): %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// runArguments builds the exec script's command line from a RunRequest (its flags are defined by
// the script itself: sdk/v3 python/cmd/pulumi-language-python-exec).
func (h *host) runArguments(req *pulumirpc.RunRequest) []string {
	var args []string
	add := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", h.engineAddress)
	add("project", req.GetProject())
	add("stack", req.GetStack())
	add("pwd", req.GetPwd())
	add("dry_run", strconv.FormatBool(req.GetDryRun()))
	add("parallel", strconv.Itoa(int(req.GetParallel())))
	add("organization", req.GetOrganization())
	if info := req.GetInfo(); info != nil {
		add("root_directory", info.GetRootDirectory())
	}
	program := req.GetProgram()
	if info := req.GetInfo(); info != nil && info.GetProgramDirectory() != "" {
		program = info.GetProgramDirectory()
	}
	if program == "" {
		program = "."
	}
	args = append(args, program)
	return append(args, req.GetArgs()...)
}

// configEnvironment passes the stack's configuration the way the SDK reads it: a JSON object in
// PULUMI_CONFIG and the names of its secret keys in PULUMI_CONFIG_SECRET_KEYS.
func configEnvironment(req *pulumirpc.RunRequest) ([]string, error) {
	var env []string
	if config := req.GetConfig(); config != nil {
		encoded, err := json.Marshal(config)
		if err != nil {
			return nil, fmt.Errorf("failed to serialize configuration: %w", err)
		}
		env = append(env, "PULUMI_CONFIG="+string(encoded))
	}
	if keys := req.GetConfigSecretKeys(); len(keys) > 0 {
		encoded, err := json.Marshal(keys)
		if err != nil {
			return nil, fmt.Errorf("failed to serialize configuration secret keys: %w", err)
		}
		env = append(env, "PULUMI_CONFIG_SECRET_KEYS="+string(encoded))
	}
	return env, nil
}

// RunPlugin runs a Python plugin directory (a policy pack) with `python <dir> <args...>`, which
// executes its __main__.py in the virtualenv that its PulumiPolicy.yaml names.
func (h *host) RunPlugin(
	req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer,
) error {
	info := req.GetInfo()
	tc, err := resolveToolchain(info)
	if err != nil {
		return err
	}
	if err := tc.ValidateVenv(server.Context()); err != nil {
		return err
	}
	cmd, err := pythonCommand(server.Context(), tc, append([]string{"-u", info.GetProgramDirectory()}, req.GetArgs()...)...)
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	cmd.Dir = req.GetPwd()
	cmd.Env = append(cmd.Env, req.GetEnv()...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	runErr := cmd.Run()
	if err := closer.Close(); err != nil && runErr == nil {
		return err
	}
	var exitErr *exec.ExitError
	if errors.As(runErr, &exitErr) {
		return server.Send(&pulumirpc.RunPluginResponse{
			Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(exitErr.ExitCode())},
		})
	}
	return runErr
}

func (h *host) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	dir := req.GetInfo().GetProgramDirectory()
	if err := tc.InstallDependencies(server.Context(), dir, req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	return closer.Close()
}

func (h *host) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{Executable: info.PythonExecutable, Version: info.PythonVersion.String()}, nil
}

func (h *host) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	tc, err := resolveToolchain(req.GetInfo())
	if err != nil {
		return nil, err
	}
	packages, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("failed to list the program's Python dependencies: %w", err)
	}
	deps := make([]*pulumirpc.DependencyInfo, len(packages))
	for i, p := range packages {
		deps[i] = &pulumirpc.DependencyInfo{Name: p.Name, Version: p.Version}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}

// pythonCommand is the toolchain's python command with an environment to append to: without a
// virtualenv the toolchain leaves Env nil, and appending to nil would drop the inherited environment.
func pythonCommand(ctx context.Context, tc toolchain.Toolchain, args ...string) (*exec.Cmd, error) {
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	return cmd, nil
}

// resolveToolchain reads the runtime options of Pulumi.yaml / PulumiPolicy.yaml (`toolchain`,
// `virtualenv`) and lets the SDK's python/toolchain package decide how python is started.
func resolveToolchain(info *pulumirpc.ProgramInfo) (toolchain.Toolchain, error) {
	if info == nil {
		return nil, errors.New("the engine sent no program information")
	}
	options := toolchain.PythonOptions{
		Root:       info.GetRootDirectory(),
		ProgramDir: info.GetProgramDirectory(),
		Toolchain:  toolchain.Pip,
	}
	if opts := info.GetOptions(); opts != nil {
		values := opts.AsMap()
		if venv, ok := values["virtualenv"].(string); ok {
			options.Virtualenv = venv
		}
		if name, ok := values["toolchain"].(string); ok {
			switch strings.ToLower(name) {
			case "pip", "":
				options.Toolchain = toolchain.Pip
			case "poetry":
				options.Toolchain = toolchain.Poetry
			case "uv":
				options.Toolchain = toolchain.Uv
			default:
				return nil, fmt.Errorf("unsupported python toolchain %q (expected pip, poetry or uv)", name)
			}
		}
	}
	return toolchain.ResolveToolchain(options)
}
