package org.isgd.trainer.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Downloads the four Fashion-MNIST {@code .gz} files from the official source and keeps each only
 * if its MD5 matches the published checksum. Called explicitly (e.g. {@code infra/isgd data
 * fetch}), never implicitly by the trainer or the tests, so that no run touches the network
 * unasked.
 */
public final class Downloader {
    /**
     * The official mirror named in the Fashion-MNIST README. S3 website endpoints serve plain HTTP
     * only; integrity comes from the MD5 check, not the transport.
     */
    public static final URI OFFICIAL_SOURCE = URI.create("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/");

    private final URI source;
    private final HttpClient client;

    public Downloader() {
        this(OFFICIAL_SOURCE);
    }

    /** A downloader reading from {@code source} (a directory URI ending in '/'), e.g. a local mirror. */
    public Downloader(final URI source) {
        this.source = source;
        this.client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    /** Downloads into {@link DatasetLocator#userDir()} and returns that directory. */
    public Path downloadToUserDir() throws IOException, InterruptedException {
        return download(DatasetLocator.userDir());
    }

    /**
     * Downloads every file missing from {@code targetDir} (files already there with the right
     * checksum are kept) and returns {@code targetDir}.
     *
     * @throws IOException on a transfer error or a checksum mismatch; nothing half-written is left
     */
    public Path download(final Path targetDir) throws IOException, InterruptedException {
        Files.createDirectories(targetDir);
        for (final FashionMnistFile file : FashionMnistFile.values()) {
            final Path target = targetDir.resolve(file.gzipName());
            if (Files.isRegularFile(target) && md5(target).equals(file.gzipMd5())) {
                continue;
            }
            fetch(file, target);
        }
        return targetDir;
    }

    private void fetch(final FashionMnistFile file, final Path target) throws IOException, InterruptedException {
        final URI uri = source.resolve(file.gzipName());
        final Path partial = target.resolveSibling(file.gzipName() + ".part");
        final HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).GET().build();
        final HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw new IOException("download of " + uri + " failed with HTTP " + response.statusCode()
                        + "; try again later or install the data with `apt-get install -y dataset-fashion-mnist`");
            }
            final String actual = copyWithMd5(body, partial);
            if (!actual.equals(file.gzipMd5())) {
                Files.deleteIfExists(partial);
                throw new IOException("checksum mismatch for " + uri + ": MD5 " + actual + ", expected "
                        + file.gzipMd5() + "; the download was discarded, try again or use another source");
            }
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    private static String copyWithMd5(final InputStream in, final Path out) throws IOException {
        final MessageDigest digest = newMd5();
        try (DigestInputStream digesting = new DigestInputStream(in, digest);
             OutputStream file = Files.newOutputStream(out)) {
            digesting.transferTo(file);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String md5(final Path path) throws IOException {
        final MessageDigest digest = newMd5();
        try (InputStream in = new DigestInputStream(Files.newInputStream(path), digest)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest newMd5() {
        try {
            return MessageDigest.getInstance("MD5");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM offers no MD5, which every Java platform must provide", e);
        }
    }
}
