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
	b, err := os.ReadFile(path)
	if err == nil {
		k, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(k) != 16 {
			return nil, fmt.Errorf("%s must hold 32 hexadecimal digits", path)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	k := make([]byte, 16)
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
