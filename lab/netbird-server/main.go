// Command netbird-server is NetBird's combined server (management, signal,
// relay, embedded IdP) at a pinned release, built for the birdhouse lab.
//
// It differs from upstream combined/main.go in two ways, both so that the lab
// can run many servers side by side on one machine and never leak one:
//
//   - Before Execute it installs a server factory that disables the legacy
//     management gRPC port (TCP 33073). Upstream always opens that port, so a
//     second stock server on the same host fails to start.
//   - With BIRDHOUSE_LAB_EXIT_ON_STDIN_EOF=1 it exits when its stdin closes.
//     The lab hands each server a pipe it never writes to; when the lab process
//     dies, even by SIGKILL, the pipe closes and the server goes with it.
//
// It also has one command of its own, birdhouse-enrol-peer (enrol.go), which
// registers a peer with a setup key and exits.
package main

import (
	"fmt"
	"io"
	"os"

	log "github.com/sirupsen/logrus"

	"github.com/netbirdio/netbird/combined/cmd"
	mgmtServer "github.com/netbirdio/netbird/management/internals/server"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == enrolCommand {
		if err := enrolPeer(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if os.Getenv("BIRDHOUSE_LAB_EXIT_ON_STDIN_EOF") == "1" {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			log.Info("stdin closed: the lab that started this server is gone, exiting")
			os.Exit(0)
		}()
	}
	cmd.SetNewServer(func(cfg *mgmtServer.Config) mgmtServer.Server {
		cfg.DisableLegacyManagementPort = true
		return mgmtServer.NewServer(cfg)
	})
	if err := cmd.Execute(); err != nil {
		log.Fatalf("failed to execute command: %v", err)
	}
}
