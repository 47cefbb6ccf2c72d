#!/usr/bin/env python3
# Replays captured bwrap commands (capture-bwrap.sh) of two builds, interleaved round by round, so machine load
# hits every variant alike; prints medians against node started unconfined in the same rounds.
# Usage: interleaved.py BEFORE_CAPTURE_DIR AFTER_CAPTURE_DIR [ROUNDS]  (needs /tmp/mcpguard-bench-sandbox-* paths in the
# captures; they are rewritten to a fresh work folder holding trivial.cjs, a CA bundle and a listening egress socket)
import os, re, glob, subprocess, time, statistics, socket, sys
import tempfile, shutil
W=tempfile.mkdtemp(prefix='mcpguard-interleaved-')
open(W+'/trivial.cjs','w').write('process.exitCode = 0;\n')
shutil.copy('/etc/ssl/certs/ca-certificates.crt', W+'/ca-bundle.pem')
dirs={'before': sys.argv[1], 'after': sys.argv[2]}
sock_path=W+'/egress.sock'
if os.path.exists(sock_path): os.unlink(sock_path)
s=socket.socket(socket.AF_UNIX); s.bind(sock_path); s.listen(16)
def load(build, egress):
    files=sorted(glob.glob(os.path.join(dirs[build], '*.args')))
    for f in reversed(files):
        args=open(f,'rb').read().split(b'\0')[:-1]
        args=[a.decode() for a in args]
        if any('egress.sock' in a for a in args)==egress:
            env=dict(l.split('=',1) for l in open(f[:-5]+'.env','rb').read().decode().split('\0') if '=' in l)
            for k in ('PWD','SHLVL','_'): env.pop(k,None)
            args=[re.sub(r'/tmp/mcpguard-bench-sandbox-[0-9a-f]+', W, a) for a in args]
            return ['/usr/bin/bwrap']+args, env
newpre=[a for a in load('after',True)[0] if 'mcpguard-node-proxy-' in a][0]
variants={}
variants['U node unconfined']=(['/usr/bin/node',W+'/trivial.cjs'],{'PATH':'/usr/local/bin:/usr/bin:/bin'})
variants['B0 before, no egress']=load('before',False)
variants['B1 before, relay+preload']=load('before',True)
a,e=load('before',True); variants['M  old shell wait + lazy preload']=([newpre if 'mcpguard-node-proxy-' in x else x for x in a],e)
variants['A0 after, no egress']=load('after',False)
variants['A1 after, relay+preload']=load('after',True)
rounds=int(sys.argv[3]) if len(sys.argv)>3 else 30
res={k:[] for k in variants}
for r in range(rounds+3):
    for k,(a,e) in variants.items():
        t=time.perf_counter(); p=subprocess.run(a,env=e,stdin=subprocess.DEVNULL,stdout=subprocess.DEVNULL,stderr=subprocess.PIPE); d=(time.perf_counter()-t)*1000
        if p.returncode!=0: print(k,'exit',p.returncode,p.stderr[:300]); sys.exit(1)
        if r>=3: res[k].append(d)
base=statistics.median(res['U node unconfined'])
print(f'load {open("/proc/loadavg").read().strip()}  rounds {rounds}')
for k,v in res.items():
    m=statistics.median(v); print(f'{k:36s} median {m:6.1f} ms (+{m-base:5.1f})  min {min(v):6.1f}  p25 {statistics.quantiles(v,n=4)[0]:6.1f}')
s.close()
shutil.rmtree(W)
