#include "vendor_keys.hpp"

#include <memory>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

namespace callctl::sandbox {

Result<std::string> generate_private_key_pem(KeyAlgorithm algorithm) {
    EVP_PKEY* raw = algorithm == KeyAlgorithm::rsa_2048 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
                                                        : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    const std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(raw, EVP_PKEY_free);
    const std::unique_ptr<BIO, int (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!key || !bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
        ERR_clear_error();
        return make_error(ExitCode::internal, "OpenSSL could not make a key pair");
    }
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

}  // namespace callctl::sandbox
