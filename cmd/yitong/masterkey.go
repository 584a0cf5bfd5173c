package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// masterKey returns the platform master key (16 bytes, SM4-128) that
// encrypts the signing CA's private key: YITONG_MASTER_KEY (32 hex
// digits) when set, which every node of a PostgreSQL deployment must
// share; otherwise the file master.key in the data folder, created with
// mode 0600 on first use.
func masterKey(data string) ([]byte, error) {
	if v := strings.TrimSpace(os.Getenv("YITONG_MASTER_KEY")); v != "" {
		k, err := hex.DecodeString(v)
		if err != nil || len(k) != 16 {
			return nil, errors.New("YITONG_MASTER_KEY must be 32 hexadecimal digits (16 bytes)")
		}
		return k, nil
	}
	path := filepath.Join(data, "master.key")
	k, err := readKeyFile(path)
	if err == nil {
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k = make([]byte, 16)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.WriteString(hex.EncodeToString(k) + "\n")
	return k, errors.Join(err, f.Sync(), f.Close())
}

// nextKeyFile holds a master key being rotated to, until the rotation is
// done: written (and synced) before the database is re-encrypted, renamed
// over master.key after. If the process dies between, openSigning finds
// the CA opens with this file's key and finishes the rename.
const nextKeyFile = "master.key.next"

// writeKeyFile writes key to path durably (0600).
func writeKeyFile(path string, key []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(hex.EncodeToString(key) + "\n")
	return errors.Join(err, f.Sync(), f.Close())
}

// readKeyFile reads a key file of 32 hex digits.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(k) != 16 {
		return nil, fmt.Errorf("%s must hold 32 hexadecimal digits", path)
	}
	return k, nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}
