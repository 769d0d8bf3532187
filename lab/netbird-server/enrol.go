package main

// birdhouse-enrol-peer: registers one peer with a setup key over the management gRPC API,
// the way the NetBird client's `netbird up --setup-key` does (the same Login call,
// encrypted with the server's key), and exits. It gives the lab
// real peers (with real WireGuard keys, named by their hostname) for the kinds that name
// peers, without running a client daemon, a tunnel or root privileges.
//
//	netbird-server birdhouse-enrol-peer --management 127.0.0.1:40123 --hostname gw-1
//
// The setup key is read from BIRDHOUSE_LAB_SETUP_KEY, so it never appears in a process
// listing. On success the peer's FQDN is printed.

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"golang.zx2c4.com/wireguard/wgctrl/wgtypes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/netbirdio/netbird/encryption"
	"github.com/netbirdio/netbird/shared/management/proto"
)

const enrolCommand = "birdhouse-enrol-peer"

func enrolPeer(args []string) error {
	flags := flag.NewFlagSet(enrolCommand, flag.ContinueOnError)
	management := flags.String("management", "", "the management server's host:port (plain HTTP/2)")
	hostname := flags.String("hostname", "", "the peer's hostname, which becomes its name")
	osName := flags.String("os", "linux", "the operating system the peer reports")
	version := flags.String("version", "0.77.1", "the NetBird version the peer reports")
	if err := flags.Parse(args); err != nil {
		return err
	}
	setupKey := os.Getenv("BIRDHOUSE_LAB_SETUP_KEY")
	if *management == "" || *hostname == "" || setupKey == "" {
		return fmt.Errorf("--management, --hostname and BIRDHOUSE_LAB_SETUP_KEY are required")
	}
	key, err := wgtypes.GeneratePrivateKey()
	if err != nil {
		return fmt.Errorf("generating a WireGuard key: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := grpc.NewClient(*management, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", *management, err)
	}
	defer conn.Close()
	client := proto.NewManagementServiceClient(conn)
	serverKeyAnswer, err := client.GetServerKey(ctx, &proto.Empty{})
	if err != nil {
		return fmt.Errorf("reading the server key: %w", err)
	}
	serverKey, err := wgtypes.ParseKey(serverKeyAnswer.GetKey())
	if err != nil {
		return fmt.Errorf("parsing the server key: %w", err)
	}
	login := &proto.LoginRequest{
		SetupKey: setupKey,
		Meta: &proto.PeerSystemMeta{
			Hostname:       *hostname,
			GoOS:           *osName,
			OS:             *osName,
			Core:           "12",
			Platform:       "x86_64",
			Kernel:         "Linux",
			NetbirdVersion: *version,
			KernelVersion:  "6.1.0",
		},
		PeerKeys: &proto.PeerKeys{WgPubKey: []byte(key.PublicKey().String())},
	}
	body, err := encryption.EncryptMessage(serverKey, key, login)
	if err != nil {
		return fmt.Errorf("encrypting the login: %w", err)
	}
	answer, err := client.Login(ctx, &proto.EncryptedMessage{WgPubKey: key.PublicKey().String(), Body: body})
	if err != nil {
		return fmt.Errorf("registering %s: %w", *hostname, err)
	}
	reply := &proto.LoginResponse{}
	if err := encryption.DecryptMessage(serverKey, key, answer.GetBody(), reply); err != nil {
		return fmt.Errorf("decrypting the answer: %w", err)
	}
	fmt.Println(reply.GetPeerConfig().GetFqdn())
	return nil
}
